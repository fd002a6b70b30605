import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Sub` (numpy broadcasting).
 *
 * ```text
 * y = a − b    da = unbroadcast(dy, a)    db = −unbroadcast(dy, b)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Sub === subGrad;
 * ```
 */
export const subGrad: GradientRule = {
  opType: "Sub",
  gradient: (ctx) => [
    ctx.needsGrad(0) ? ctx.reduceTo(ctx.dy(), ctx.input(0)) : undefined,
    ctx.needsGrad(1) ? ctx.g.op("Neg", [ctx.reduceTo(ctx.dy(), ctx.input(1))]) : undefined,
  ],
};
