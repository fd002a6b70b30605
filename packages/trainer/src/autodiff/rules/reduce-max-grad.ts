import type { GradientRule } from "../gradient-rule.js";
import { expandReduced } from "./expand-reduced.js";

/**
 * Gradient of `ReduceMax`: the gradient goes to the elements equal to the maximum (each of them at a tie).
 *
 * ```text
 * y = max_axes x    dx = (x = spread(y)) ? spread(dy) : 0
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.ReduceMax === reduceMaxGrad; // a hand-written stable logsumexp
 * ```
 */
export const reduceMaxGrad: GradientRule = {
  opType: "ReduceMax",
  gradient: (ctx) => {
    const { g } = ctx;
    const x = ctx.input(0);
    const picked = g.op("Equal", [x, expandReduced(ctx, ctx.output(0))]);
    return [g.op("Where", [picked, expandReduced(ctx), ctx.scalarLike(0, x)]), undefined];
  },
};
