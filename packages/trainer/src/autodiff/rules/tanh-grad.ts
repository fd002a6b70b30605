import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Tanh`, reusing y.
 *
 * ```text
 * y = tanh x    dx = dy ⊙ (1 − y²)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Tanh === tanhGrad;
 * ```
 */
export const tanhGrad: GradientRule = {
  opType: "Tanh",
  gradient: (ctx) => {
    const { g } = ctx;
    const y = ctx.output(0);
    return [g.op("Mul", [ctx.dy(), g.op("Sub", [ctx.scalarLike(1, y), g.op("Mul", [y, y])])])];
  },
};
