import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Sigmoid`, reusing y.
 *
 * ```text
 * y = σ(x)    dx = dy ⊙ y ⊙ (1 − y)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Sigmoid === sigmoidGrad; // SiLU = x·σ(x) is Mul + Sigmoid
 * ```
 */
export const sigmoidGrad: GradientRule = {
  opType: "Sigmoid",
  gradient: (ctx) => {
    const { g } = ctx;
    const y = ctx.output(0);
    return [g.op("Mul", [g.op("Mul", [ctx.dy(), y]), g.op("Sub", [ctx.scalarLike(1, y), y])])];
  },
};
