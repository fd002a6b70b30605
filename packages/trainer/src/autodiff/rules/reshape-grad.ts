import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Reshape` (the shape input gets none).
 *
 * ```text
 * y = reshape(x, s)    dx = reshape(dy, shape(x))
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Reshape === reshapeGrad;
 * ```
 */
export const reshapeGrad: GradientRule = {
  opType: "Reshape",
  gradient: (ctx) => [ctx.g.op("Reshape", [ctx.dy(), ctx.shape(ctx.input(0))]), undefined],
};
