import type { GradientRule } from "../gradient-rule.js";
import { softmaxAxes } from "./softmax-axes.js";

/**
 * Gradient of `Softmax`, reusing y (the Jacobian-vector product, no n×n Jacobian).
 *
 * ```text
 * y = softmax(x)    dx = y ⊙ (dy − Σ_axis(dy ⊙ y))
 * ```
 * A softmax over the last axis read only as the left operand of a MatMul (attention probabilities)
 * never gets here: the MatMul rule gives its input the gradient directly (`fused-softmax-product.ts`).
 *
 * @example
 * ```ts
 * GRADIENTS.Softmax === softmaxGrad;
 * ```
 */
export const softmaxGrad: GradientRule = {
  opType: "Softmax",
  gradient: (ctx) => {
    const { g } = ctx;
    const y = ctx.output(0);
    const dot = g.op("ReduceSum", [g.op("Mul", [ctx.dy(), y]), ctx.ints(softmaxAxes(ctx))], { keepdims: 1 });
    return [g.op("Mul", [y, g.op("Sub", [ctx.dy(), dot])])];
  },
};
