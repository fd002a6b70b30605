import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Add` (numpy broadcasting).
 *
 * ```text
 * y = a + b    da = unbroadcast(dy, a)    db = unbroadcast(dy, b)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Add === addGrad;
 * ```
 */
export const addGrad: GradientRule = {
  opType: "Add",
  gradient: (ctx) => [
    ctx.needsGrad(0) ? ctx.reduceTo(ctx.dy(), ctx.input(0)) : undefined,
    ctx.needsGrad(1) ? ctx.reduceTo(ctx.dy(), ctx.input(1)) : undefined,
  ],
};
