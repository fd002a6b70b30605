import type { GradContext } from "../grad-context.js";
import { sumRows } from "../helpers/unbroadcast.js";
import type { WeightShape } from "./weight-gradient.js";

/**
 * Each sequence's [T, cols] matrix of `v` [B, T, cols], transposed into a copy: [B, cols, T]. Written
 * through a rank-4 view and reshaped back, so that onnxruntime's `MatmulTransposeFusion` does not fold it
 * into the next product's `transA` (MLAS's transposed-A path re-transposes A once per 128 output columns).
 *
 * ```text
 * sequenceSwappedCopy(v) = reshape(transpose(reshape(v, [B, 1, T, cols]), [0, 1, 3, 2]), [B, cols, T])
 * ```
 *
 * @example
 * ```ts
 * const xt = sequenceSwappedCopy(ctx, x, 384); // x [8, 512, 384] → [8, 384, 512]
 * ```
 */
export function sequenceSwappedCopy(ctx: GradContext, v: string, cols: number): string {
  const { g } = ctx;
  const view = g.op("Reshape", [v, ctx.ints([0, 1, -1, cols])]);
  return g.op("Reshape", [g.op("Transpose", [view], { perm: [0, 1, 3, 2] }), ctx.ints([0, cols, -1])]);
}

/**
 * The gradient of a weight repeated per sequence (`MatMul(x [B, T, K], Expand(W′, [B, K, N]))`, see
 * `perSequenceWeight`), as one product per sequence, summed over the sequences by a row of ones, in the
 * weight's layout.
 *
 * ```text
 * dW = Σ_s x[s]ᵀ · dy[s]
 * K ≤ N:  P = MatMul(copyᵀ(x), dy) [B, K, N]     K > N:  P = MatMul(copyᵀ(dy), x) [B, N, K]
 * dW = 1[1, B] · P (as [B, K·N]), turned to the weight's layout when it is the other one
 * ```
 * Each product has the shapes of one sequence's forward product, whose output block stays in cache,
 * and runs as fast: one 2-D Gemm over all B·T rows re-reads its output block once per 128 rows of K
 * (measured 1.1–1.7× the forward's products at 8 × 512, per layer in one profile). The transposed copy is
 * of the narrower operand (x is shared by the weights that read it: q, k, v; gate, up). The B partial
 * products are summed by `sumRows` (a row of ones; `ReduceSum` over the leading axis is slow).
 *
 * @example
 * ```ts
 * const dw = perSequenceWeightGradient(ctx, x, dy, { k: 384, n: 1536, layout: "NK" }); // [1536, 384]
 * ```
 */
export function perSequenceWeightGradient(ctx: GradContext, x: string, dy: string, w: WeightShape): string {
  const { g } = ctx;
  const kn = w.k <= w.n;
  const products = kn
    ? g.op("MatMul", [sequenceSwappedCopy(ctx, x, w.k), dy])
    : g.op("MatMul", [sequenceSwappedCopy(ctx, dy, w.n), x]);
  const flat = g.op("Reshape", [products, ctx.ints([0, -1])]);
  const summed = g.op("Reshape", [sumRows(ctx, flat), ctx.ints(kn ? [w.k, w.n] : [w.n, w.k])]);
  return kn === (w.layout === "KN") ? summed : g.op("Transpose", [summed], { perm: [1, 0] });
}
