import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Identity`.
 *
 * ```text
 * y = x    dx = dy
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Identity === identityGrad;
 * ```
 */
export const identityGrad: GradientRule = {
  opType: "Identity",
  gradient: (ctx) => [ctx.dy()],
};
