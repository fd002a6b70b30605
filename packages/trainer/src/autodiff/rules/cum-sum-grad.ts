import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `CumSum`: the cumulative sum of dy in the opposite direction (same `exclusive`).
 *
 * ```text
 * yᵢ = Σ_{j≤i} xⱼ    dxⱼ = Σ_{i≥j} dyᵢ   (reverse ↔ forward)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.CumSum === cumSumGrad;
 * ```
 */
export const cumSumGrad: GradientRule = {
  opType: "CumSum",
  gradient: (ctx) => {
    const reverse = ctx.intAttr("reverse", 0) === 1 ? 0 : 1;
    const exclusive = ctx.intAttr("exclusive", 0);
    return [ctx.g.op("CumSum", [ctx.dy(), ctx.input(1)], { exclusive, reverse }), undefined];
  },
};
