import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Squeeze` (a reshape; the axes input gets none).
 *
 * ```text
 * y = squeeze(x)    dx = reshape(dy, shape(x))
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Squeeze === squeezeGrad;
 * ```
 */
export const squeezeGrad: GradientRule = {
  opType: "Squeeze",
  gradient: (ctx) => [ctx.g.op("Reshape", [ctx.dy(), ctx.shape(ctx.input(0))]), undefined],
};
