import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of variadic `Sum` (numpy broadcasting).
 *
 * ```text
 * y = Σᵢ xᵢ    dxᵢ = unbroadcast(dy, xᵢ)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Sum === sumGrad;
 * ```
 */
export const sumGrad: GradientRule = {
  opType: "Sum",
  gradient: (ctx) =>
    ctx.node.inputs.map((x, i) => (ctx.needsGrad(i) ? ctx.reduceTo(ctx.dy(), x) : undefined)),
};
