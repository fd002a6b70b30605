import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Erf` (GELU is built from it).
 *
 * ```text
 * y = erf x    dx = dy ⊙ (2/√π) ⊙ exp(−x²)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Erf === erfGrad;
 * ```
 */
export const erfGrad: GradientRule = {
  opType: "Erf",
  gradient: (ctx) => {
    const { g } = ctx;
    const x = ctx.input(0);
    const density = g.op("Exp", [g.op("Neg", [g.op("Mul", [x, x])])]);
    return [g.op("Mul", [g.op("Mul", [ctx.dy(), ctx.scalarLike(2 / Math.sqrt(Math.PI), x)]), density])];
  },
};
