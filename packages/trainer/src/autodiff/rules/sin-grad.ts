import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Sin`.
 *
 * ```text
 * y = sin x    dx = dy ⊙ cos x
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Sin === sinGrad;
 * ```
 */
export const sinGrad: GradientRule = {
  opType: "Sin",
  gradient: (ctx) => [ctx.g.op("Mul", [ctx.dy(), ctx.g.op("Cos", [ctx.input(0)])])],
};
