import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Abs` (0 at x = 0).
 *
 * ```text
 * y = |x|    dx = dy ⊙ sign(x)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Abs === absGrad;
 * ```
 */
export const absGrad: GradientRule = {
  opType: "Abs",
  gradient: (ctx) => [ctx.g.op("Mul", [ctx.dy(), ctx.g.op("Sign", [ctx.input(0)])])],
};
