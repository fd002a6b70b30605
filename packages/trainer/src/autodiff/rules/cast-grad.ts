import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Cast` between float types (casts from integers or bools stop the gradient).
 *
 * ```text
 * y = cast(x)    dx = cast(dy, dtype(x))
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Cast === castGrad; // fp16 activations ↔ fp32 math
 * ```
 */
export const castGrad: GradientRule = {
  opType: "Cast",
  gradient: (ctx) => [ctx.castLike(ctx.dy(), ctx.input(0))],
};
