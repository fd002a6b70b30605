import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Where` (the condition is boolean and gets none; numpy broadcasting of all three).
 *
 * ```text
 * y = c ? a : b    da = unbroadcast(c ? dy : 0, a)    db = unbroadcast(c ? 0 : dy, b)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Where === whereGrad; // causal masks: Where(mask, scores, −inf)
 * ```
 */
export const whereGrad: GradientRule = {
  opType: "Where",
  gradient: (ctx) => {
    const { g } = ctx;
    const [c, a, b] = [ctx.input(0), ctx.input(1), ctx.input(2)];
    const zero = ctx.scalarLike(0, ctx.dy());
    return [
      undefined,
      ctx.needsGrad(1) ? ctx.reduceTo(g.op("Where", [c, ctx.dy(), zero]), a) : undefined,
      ctx.needsGrad(2) ? ctx.reduceTo(g.op("Where", [c, zero, ctx.dy()]), b) : undefined,
    ];
  },
};
