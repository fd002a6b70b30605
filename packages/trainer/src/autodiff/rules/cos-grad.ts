import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Cos`.
 *
 * ```text
 * y = cos x    dx = −dy ⊙ sin x
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Cos === cosGrad;
 * ```
 */
export const cosGrad: GradientRule = {
  opType: "Cos",
  gradient: (ctx) => [ctx.g.op("Neg", [ctx.g.op("Mul", [ctx.dy(), ctx.g.op("Sin", [ctx.input(0)])])])],
};
