import type { GradientRule } from "../gradient-rule.js";
import { weightGradient } from "./weight-gradient.js";

/**
 * Gradient of `Gemm` (`transA`, `transB`, `alpha`, `beta`, C broadcast).
 *
 * ```text
 * y = α·op(A)·op(B) + β·C
 * dop(A) = α·dy·op(B)ᵀ    dop(B) = α·op(A)ᵀ·dy    dC = unbroadcast(β·dy, C)
 * dA = transA ? dop(A)ᵀ : dop(A)    dB = transB ? dop(B)ᵀ : dop(B)
 * ```
 * With A untransposed and B's shape known, dB is `weightGradient`'s Gemm without a transposed operand.
 *
 * @example
 * ```ts
 * GRADIENTS.Gemm === gemmGrad;
 * ```
 */
export const gemmGrad: GradientRule = {
  opType: "Gemm",
  gradient: (ctx) => {
    const { g } = ctx;
    const [a, b, c] = [ctx.input(0), ctx.input(1), ctx.input(2)];
    const alpha = ctx.floatAttr("alpha", 1);
    const beta = ctx.floatAttr("beta", 1);
    const ta = ctx.intAttr("transA", 0);
    const tb = ctx.intAttr("transB", 0);
    const dy = ctx.dy();
    const da = !ctx.needsGrad(0)
      ? undefined
      : ta === 0
        ? g.op("Gemm", [dy, b], { alpha, transB: tb === 0 ? 1 : 0 })
        : g.op("Gemm", [b, dy], { alpha, transA: tb, transB: 1 });
    const [b0, b1] = ctx.shapeOf(b) ?? [];
    const [k, n] = tb === 0 ? [b0, b1] : [b1, b0];
    const untransposed = ta === 0 && typeof k === "number" && typeof n === "number";
    const db = !ctx.needsGrad(1)
      ? undefined
      : untransposed
        ? weightGradient(ctx, a, dy, { k, n, layout: tb === 0 ? "KN" : "NK" }, alpha)
        : tb === 0
          ? g.op("Gemm", [a, dy], { alpha, transA: ta === 0 ? 1 : 0 })
          : g.op("Gemm", [dy, a], { alpha, transA: 1, transB: ta });
    let dc: string | undefined;
    if (c !== "" && ctx.needsGrad(2)) {
      const scaled = beta === 1 ? dy : g.op("Mul", [dy, ctx.scalarLike(beta, dy)]);
      dc = ctx.reduceTo(scaled, c);
    }
    return [da, db, dc];
  },
};
