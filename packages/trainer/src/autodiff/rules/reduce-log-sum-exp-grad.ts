import type { GradientRule } from "../gradient-rule.js";
import { expandReduced } from "./expand-reduced.js";

/**
 * Gradient of `ReduceLogSumExp`, reusing y: the softmax over the reduced axes.
 *
 * ```text
 * y = log Σ_axes exp(x)    dx = spread(dy) ⊙ exp(x − spread(y))
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.ReduceLogSumExp === reduceLogSumExpGrad; // log p = x_target − logsumexp(x) without a full log-softmax
 * ```
 */
export const reduceLogSumExpGrad: GradientRule = {
  opType: "ReduceLogSumExp",
  gradient: (ctx) => {
    const { g } = ctx;
    const x = ctx.input(0);
    const softmax = g.op("Exp", [g.op("Sub", [x, expandReduced(ctx, ctx.output(0))])]);
    return [g.op("Mul", [expandReduced(ctx), softmax]), undefined];
  },
};
