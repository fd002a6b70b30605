import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Transpose`: transpose back with the inverse permutation.
 *
 * ```text
 * y = transpose(x, p)    dx = transpose(dy, p⁻¹)  where p⁻¹[p[i]] = i
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Transpose === transposeGrad;
 * ```
 */
export const transposeGrad: GradientRule = {
  opType: "Transpose",
  gradient: (ctx) => {
    const rank = ctx.rankOf(ctx.input(0));
    const perm = ctx.intsAttr("perm") ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inverse = new Array<number>(rank);
    perm.forEach((p, i) => {
      inverse[p] = i;
    });
    return [ctx.g.op("Transpose", [ctx.dy()], { perm: inverse })];
  },
};
