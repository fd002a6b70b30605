import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Softplus`.
 *
 * ```text
 * y = ln(1 + eˣ)    dx = dy ⊙ σ(x)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Softplus === softplusGrad; // −log σ(z) = softplus(−z) in preference losses
 * ```
 */
export const softplusGrad: GradientRule = {
  opType: "Softplus",
  gradient: (ctx) => [ctx.g.op("Mul", [ctx.dy(), ctx.g.op("Sigmoid", [ctx.input(0)])])],
};
