import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Split`: concatenate the output gradients (zeros for outputs nothing flowed into).
 *
 * ```text
 * y₁…y_n = split(x, axis)    dx = concat(dy₁…dy_n, axis)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Split === splitGrad; // fused QKV projections
 * ```
 */
export const splitGrad: GradientRule = {
  opType: "Split",
  gradient: (ctx) => {
    const grads = ctx.node.outputs.map((_, i) => ctx.dyOrZeros(i));
    return [ctx.g.op("Concat", grads, { axis: ctx.intAttr("axis", 0) }), undefined];
  },
};
