import type { GradContext } from "../grad-context.js";

/**
 * Where a weight gradient goes: a [K, N] weight (`KN`: y = x·W) or an [N, K] one (`NK`: y = x·Wᵀ, the
 * nn.Linear layout), for activations x [..., K] and outputs y [..., N].
 */
export interface WeightShape {
  readonly k: number;
  readonly n: number;
  readonly layout: "KN" | "NK";
}

/**
 * A transposed copy of `v` seen as a [rows, cols] matrix (`rows` = the product of all but the last axis):
 * [cols, rows]. Written as a `Transpose` of a rank-3 view, which onnxruntime's `GemmTransposeFusion`
 * does not fold into a neighbouring Gemm's `transA`/`transB` (a rank-2 `Transpose` it would).
 *
 * ```text
 * swappedCopy(v) = reshape(transpose(reshape(v, [1, rows, cols]), [0, 2, 1]), [cols, rows])
 * ```
 *
 * @example
 * ```ts
 * const xt = swappedCopy(ctx, x, 384); // x [8, 512, 384] → [384, 4096]
 * ```
 */
export function swappedCopy(ctx: GradContext, v: string, cols: number): string {
  const { g } = ctx;
  const view = g.op("Reshape", [v, ctx.ints([1, -1, cols])]);
  return g.op("Reshape", [g.op("Transpose", [view], { perm: [0, 2, 1] }), ctx.ints([cols, -1])]);
}

/**
 * The gradient of a weight applied to every row of x, summed over the rows, as one Gemm with no
 * transposed operand, in the weight's layout.
 *
 * ```text
 * dW = α · Xᵀ · D      X = x as [R, K], D = dy as [R, N]  (R = all rows of the batch)
 * K ≤ N:  Gemm(copyᵀ(X), D)   [K, N]        K > N:  Gemm(copyᵀ(D), X)   [N, K]
 * ```
 * The transposed copy is of the narrower of x and dy. The direct form, `Gemm(X, D, transA)`, takes MLAS's
 * transposed-A path, which re-transposes A once per 128 output columns; it measured 15–35 % slower per
 * FLOP than the forward's products, and a Llama forward+backward (8 × 512) 7–8 % slower overall than with
 * the copies (same process, alternating runs). A product in the other layout than the weight's is turned
 * with {@link swappedCopy} (a [K, N] matrix, cheap next to the product).
 *
 * @example
 * ```ts
 * const dw = weightGradient(ctx, x, dy, { k: 384, n: 1536, layout: "NK" }); // [1536, 384]
 * ```
 */
export function weightGradient(ctx: GradContext, x: string, dy: string, w: WeightShape, alpha = 1): string {
  const { g } = ctx;
  const attrs = alpha === 1 ? {} : { alpha };
  const rows = (v: string, width: number) => g.op("Reshape", [v, ctx.ints([-1, width])]);
  const kn = w.k <= w.n;
  const product = kn
    ? g.op("Gemm", [swappedCopy(ctx, x, w.k), rows(dy, w.n)], attrs)
    : g.op("Gemm", [swappedCopy(ctx, dy, w.n), rows(x, w.k)], attrs);
  return kn === (w.layout === "KN") ? product : swappedCopy(ctx, product, kn ? w.n : w.k);
}
