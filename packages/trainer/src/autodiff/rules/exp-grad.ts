import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Exp`, reusing y.
 *
 * ```text
 * y = eˣ    dx = dy ⊙ y
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Exp === expGrad;
 * ```
 */
export const expGrad: GradientRule = {
  opType: "Exp",
  gradient: (ctx) => [ctx.g.op("Mul", [ctx.dy(), ctx.output(0)])],
};
