import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Flatten` (a reshape; the axes input gets none).
 *
 * ```text
 * y = flatten(x)    dx = reshape(dy, shape(x))
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Flatten === flattenGrad;
 * ```
 */
export const flattenGrad: GradientRule = {
  opType: "Flatten",
  gradient: (ctx) => [ctx.g.op("Reshape", [ctx.dy(), ctx.shape(ctx.input(0))]), undefined],
};
