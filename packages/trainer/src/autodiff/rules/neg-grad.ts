import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Neg`.
 *
 * ```text
 * y = −x    dx = −dy
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Neg === negGrad;
 * ```
 */
export const negGrad: GradientRule = {
  opType: "Neg",
  gradient: (ctx) => [ctx.g.op("Neg", [ctx.dy()])],
};
