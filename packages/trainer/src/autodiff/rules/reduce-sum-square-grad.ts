import type { GradientRule } from "../gradient-rule.js";
import { expandReduced } from "./expand-reduced.js";

/**
 * Gradient of `ReduceSumSquare` (gradient-norm clipping, L2 penalties).
 *
 * ```text
 * y = Σ_axes x²    dx = 2·x ⊙ spread(dy)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.ReduceSumSquare === reduceSumSquareGrad;
 * ```
 */
export const reduceSumSquareGrad: GradientRule = {
  opType: "ReduceSumSquare",
  gradient: (ctx) => {
    const { g } = ctx;
    const x = ctx.input(0);
    return [g.op("Mul", [g.op("Mul", [x, ctx.scalarLike(2, x)]), expandReduced(ctx)]), undefined];
  },
};
