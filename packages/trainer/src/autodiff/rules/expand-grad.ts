import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Expand` (broadcast to a shape).
 *
 * ```text
 * y = broadcast(x, shape)    dx = unbroadcast(dy, x)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Expand === expandGrad; // grouped-query attention repeats KV heads with Expand
 * ```
 */
export const expandGrad: GradientRule = {
  opType: "Expand",
  gradient: (ctx) => [ctx.reduceTo(ctx.dy(), ctx.input(0)), undefined],
};
