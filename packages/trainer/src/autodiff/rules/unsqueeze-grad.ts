import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Unsqueeze` (a reshape; the axes input gets none).
 *
 * ```text
 * y = unsqueeze(x)    dx = reshape(dy, shape(x))
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Unsqueeze === unsqueezeGrad;
 * ```
 */
export const unsqueezeGrad: GradientRule = {
  opType: "Unsqueeze",
  gradient: (ctx) => [ctx.g.op("Reshape", [ctx.dy(), ctx.shape(ctx.input(0))]), undefined],
};
