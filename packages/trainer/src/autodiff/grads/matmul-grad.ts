import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `MatMul` (numpy matmul: batch broadcasting, 1-D operands promoted).
 *
 * ```text
 * y = a·b    da = unbroadcast(dy·bᵀ, a)    db = unbroadcast(aᵀ·dy, b)
 * ```
 * For a weight b of rank 2 under a batched a, db = flatten(a)ᵀ·flatten(dy) with one Gemm, which is
 * what a linear layer needs (no batch of partial products then summed).
 *
 * @example
 * ```ts
 * GRADIENTS.MatMul === matmulGrad;
 * ```
 */
export const matmulGrad: GradientRule = {
  opType: "MatMul",
  gradient: (ctx) => {
    const { g } = ctx;
    let [a, b] = [ctx.input(0), ctx.input(1)];
    const ra = ctx.rankOf(a);
    const rb = ctx.rankOf(b);
    let dy = ctx.dy();
    if (ra === 1 && rb === 1) dy = g.op("Reshape", [dy, ctx.ints([1, 1])]);
    else if (ra === 1) dy = g.op("Unsqueeze", [dy, ctx.ints([-2])]);
    else if (rb === 1) dy = g.op("Unsqueeze", [dy, ctx.ints([-1])]);
    if (ra === 1) a = g.op("Unsqueeze", [a, ctx.ints([0])]);
    if (rb === 1) b = g.op("Unsqueeze", [b, ctx.ints([-1])]);
    const swap = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
    const ra2 = Math.max(ra, 2);
    const rb2 = Math.max(rb, 2);
    let da: string | undefined;
    let db: string | undefined;
    if (ctx.needsGrad(0)) {
      const bt = g.op("Transpose", [b], { perm: swap(rb2) });
      da = ctx.reduceTo(g.op("MatMul", [dy, bt]), a);
      if (ra === 1) da = g.op("Reshape", [da, ctx.shape(ctx.input(0))]);
    }
    if (ctx.needsGrad(1)) {
      if (rb2 === 2 && ra2 > 2) {
        const a2 = g.op("Flatten", [a], { axis: ra2 - 1 });
        const dy2 = g.op("Flatten", [dy], { axis: ra2 - 1 });
        db = g.op("Gemm", [a2, dy2], { transA: 1 });
        if (rb === 1) db = g.op("Reshape", [db, ctx.shape(ctx.input(1))]);
      } else {
        const at = g.op("Transpose", [a], { perm: swap(ra2) });
        db = ctx.reduceTo(g.op("MatMul", [at, dy]), b);
        if (rb === 1) db = g.op("Reshape", [db, ctx.shape(ctx.input(1))]);
      }
    }
    return [da, db];
  },
};
