import type { GradientRule } from "../gradient-rule.js";
import { softmaxAxes } from "./softmax-axes.js";

/**
 * Gradient of `LogSoftmax`, reusing y (exp(y) is the softmax).
 *
 * ```text
 * y = x − logΣexp(x)    dx = dy − exp(y) ⊙ Σ_axis(dy)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.LogSoftmax === logSoftmaxGrad; // token log-probs
 * ```
 */
export const logSoftmaxGrad: GradientRule = {
  opType: "LogSoftmax",
  gradient: (ctx) => {
    const { g } = ctx;
    const total = g.op("ReduceSum", [ctx.dy(), ctx.ints(softmaxAxes(ctx))], { keepdims: 1 });
    return [g.op("Sub", [ctx.dy(), g.op("Mul", [g.op("Exp", [ctx.output(0)]), total])])];
  },
};
