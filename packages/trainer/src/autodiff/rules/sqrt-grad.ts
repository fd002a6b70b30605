import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Sqrt`, reusing y.
 *
 * ```text
 * y = √x    dx = dy / (2y)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Sqrt === sqrtGrad;
 * ```
 */
export const sqrtGrad: GradientRule = {
  opType: "Sqrt",
  gradient: (ctx) => {
    const y = ctx.output(0);
    return [ctx.g.op("Div", [ctx.g.op("Mul", [ctx.dy(), ctx.scalarLike(0.5, y)]), y])];
  },
};
