import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Reciprocal`, reusing y.
 *
 * ```text
 * y = 1/x    dx = −dy ⊙ y²
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Reciprocal === reciprocalGrad;
 * ```
 */
export const reciprocalGrad: GradientRule = {
  opType: "Reciprocal",
  gradient: (ctx) => {
    const y = ctx.output(0);
    return [ctx.g.op("Neg", [ctx.g.op("Mul", [ctx.dy(), ctx.g.op("Mul", [y, y])])])];
  },
};
