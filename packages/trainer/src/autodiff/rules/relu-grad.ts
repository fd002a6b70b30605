import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Relu` (0 at x = 0).
 *
 * ```text
 * y = max(x, 0)    dx = dy where x > 0, else 0
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Relu === reluGrad;
 * ```
 */
export const reluGrad: GradientRule = {
  opType: "Relu",
  gradient: (ctx) => {
    const { g } = ctx;
    const x = ctx.input(0);
    const positive = g.op("Greater", [x, ctx.scalarLike(0, x)]);
    return [g.op("Where", [positive, ctx.dy(), ctx.scalarLike(0, x)])];
  },
};
