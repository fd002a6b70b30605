import type { GradContext } from "../grad-context.js";
import type { GradientRule } from "../gradient-rule.js";

/**
 * Indices made non-negative (`i < 0 → i + dim`) and int64, as ScatterElements wants them.
 *
 * @example
 * ```ts
 * const idx = normalizeIndices(ctx, ctx.input(1), axis);
 * ```
 */
export function normalizeIndices(ctx: GradContext, indices: string, axis: number): string {
  const { g } = ctx;
  const idx = ctx.dtypeOf(indices) === "int64" ? indices : g.cast(indices, "int64");
  const constant = g.constantNumbers(idx);
  if (constant?.every((v) => v >= 0)) return idx;
  const dim = g.op("Gather", [ctx.shape(ctx.input(0)), ctx.ints([axis])]);
  const negative = g.op("Less", [idx, ctx.scalarLike(0, idx)]);
  return g.op("Where", [negative, g.op("Add", [idx, dim]), idx]);
}

/**
 * The most rows a table gathered along axis 0 may have for its gradient to be a one-hot product
 * (2·rows multiply-adds per gradient element) rather than a scatter loop (about 36 ns per element).
 *
 * @example
 * ```ts
 * ONE_HOT_MAX_ROWS; // 1024: GPT-2's 1024 positions qualify, a 32,000-token vocabulary does not
 * ```
 */
export const ONE_HOT_MAX_ROWS = 1024;

/**
 * `onehot(idx)ᵀ · dy` for a float32/float64 [rows, width] table gathered along axis 0, when
 * rows ≤ {@link ONE_HOT_MAX_ROWS} and the width is static; otherwise `undefined`.
 */
function oneHotRowsGrad(ctx: GradContext, axis: number): string | undefined {
  const x = ctx.input(0);
  const [rows, width] = ctx.shapeOf(x) ?? [];
  if (axis !== 0 || ctx.rankOf(x) !== 2 || typeof rows !== "number" || typeof width !== "number")
    return undefined;
  const dtype = ctx.dtypeOf(x);
  if (rows > ONE_HOT_MAX_ROWS || (dtype !== "float32" && dtype !== "float64")) return undefined;
  const { g } = ctx;
  const ids = g.op("Reshape", [normalizeIndices(ctx, ctx.input(1), 0), ctx.ints([1, -1])]);
  const column = ctx.ints(Array.from({ length: rows }, (_, i) => i));
  const oneHotT = g.cast(g.op("Equal", [g.op("Unsqueeze", [column, ctx.ints([1])]), ids]), dtype);
  return g.op("MatMul", [oneHotT, g.op("Reshape", [ctx.dy(), ctx.ints([-1, width])])]);
}

/**
 * Gradient of `Gather` (embedding lookup): scatter-add the output gradient into zeros along the gathered
 * axis with ScatterElements `reduction="add"` (repeated ids accumulate), the ids flattened to one axis and
 * repeated over the other axes.
 *
 * ```text
 * y[..., i₁…i_q, ...] = x[..., idx[i₁…i_q], ...]
 * dx = ScatterElements(0, expand(idx as [1…, n, 1…]), dy as [x₀…x_{a−1}, n, x_{a+1}…], axis a, add)
 * ```
 * Not ScatterND: onnxruntime's CPU ScatterND splits the updates over its threads and adds without
 * synchronisation, so with two or more intra-op threads and a repeated id it loses updates (about 1 % of
 * the bench model's embedding gradient, different every run; onnxruntime issue #18048). Its ScatterElements
 * runs in one loop, in order. The ids go in as int32 (half the memory of int64; dims fit).
 *
 * A table of at most {@link ONE_HOT_MAX_ROWS} rows gathered along axis 0 (position embeddings, small
 * vocabularies) takes a product with the ids' one-hot matrix instead, `dx = onehot(idx)ᵀ · dy`: 2·rows
 * multiply-adds per gradient element, spread over the threads, where the scatter loop costs about 36 ns
 * per element on one (8 × 512 tokens of width 384 into 512 rows: about 15 ms instead of 40).
 *
 * @example
 * ```ts
 * GRADIENTS.Gather === gatherGrad; // token embeddings
 * ```
 */
export const gatherGrad: GradientRule = {
  opType: "Gather",
  gradient: (ctx) => {
    const { g } = ctx;
    ctx.requireOpset(16, 'ScatterElements with reduction="add"');
    const [x, indices] = [ctx.input(0), ctx.input(1)];
    const r = ctx.rankOf(x);
    const raw = ctx.intAttr("axis", 0);
    const axis = raw < 0 ? raw + r : raw;
    const oneHot = oneHotRowsGrad(ctx, axis);
    if (oneHot !== undefined) return [oneHot, undefined];
    // dy as [x₀..x_{a−1}, n, x_{a+1}..]: x's runtime shape with the gathered axis set to −1.
    const xShape = ctx.shape(x);
    const pieces = [];
    if (axis > 0) pieces.push(g.op("Slice", [xShape, ctx.ints([0]), ctx.ints([axis])]));
    pieces.push(ctx.ints([-1]));
    if (axis < r - 1) pieces.push(g.op("Slice", [xShape, ctx.ints([axis + 1]), ctx.ints([r])]));
    const updates = g.op("Reshape", [
      ctx.dy(),
      pieces.length === 1 ? ctx.ints([-1]) : g.op("Concat", pieces, { axis: 0 }),
    ]);
    const column = Array.from({ length: r }, (_, i) => (i === axis ? -1 : 1));
    const ids = g.cast(normalizeIndices(ctx, indices, axis), "int32");
    const idx = g.op("Expand", [g.op("Reshape", [ids, ctx.ints(column)]), ctx.shape(updates)]);
    return [g.op("ScatterElements", [ctx.zerosLike(x), idx, updates], { axis, reduction: "add" }), undefined];
  },
};
