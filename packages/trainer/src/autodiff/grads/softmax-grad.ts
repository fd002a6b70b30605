import type { GradientRule } from "../gradient-rule.js";
import { softmaxAxes } from "./softmax-axes.js";

/**
 * Gradient of `Softmax`, reusing y (the Jacobian-vector product, no n×n Jacobian).
 *
 * ```text
 * y = softmax(x)    dx = y ⊙ (dy − Σ_axis(dy ⊙ y))
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Softmax === softmaxGrad; // attention probabilities
 * ```
 */
export const softmaxGrad: GradientRule = {
  opType: "Softmax",
  gradient: (ctx) => {
    const { g } = ctx;
    const y = ctx.output(0);
    const axes = ctx.ints(softmaxAxes(ctx));
    const dot = g.op("ReduceSum", [g.op("Mul", [ctx.dy(), y]), axes], { keepdims: 1 });
    return [g.op("Mul", [y, g.op("Sub", [ctx.dy(), dot])])];
  },
};
