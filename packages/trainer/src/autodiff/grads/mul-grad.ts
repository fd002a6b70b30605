import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Mul` (numpy broadcasting).
 *
 * ```text
 * y = a ⊙ b    da = unbroadcast(dy ⊙ b, a)    db = unbroadcast(dy ⊙ a, b)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Mul === mulGrad;
 * ```
 */
export const mulGrad: GradientRule = {
  opType: "Mul",
  gradient: (ctx) => {
    const [a, b] = [ctx.input(0), ctx.input(1)];
    return [
      ctx.needsGrad(0) ? ctx.reduceTo(ctx.g.op("Mul", [ctx.dy(), b]), a) : undefined,
      ctx.needsGrad(1) ? ctx.reduceTo(ctx.g.op("Mul", [ctx.dy(), a]), b) : undefined,
    ];
  },
};
