import type { GraphBuilder } from "../onnx/builder.js";
import { attention, expectedSequenceLength } from "./graph-helpers.js";
import type { FloatType } from "./model-family.js";

/**
 * Shortest expected sequence length (T) from which a trainable graph's attention runs over query blocks
 * ({@link blockedAttention}); infinite, i.e. never, for now. Measured on the 6 × 384 Llama, 8 pairs × 512,
 * blocks of 128 rows (issue 18, docs/perf-history.md 2026-12-07): the blocked form's backward keeps no
 * [B, H, T, T] tensor, and the step's live memory drops by a fifth (with onnxruntime's arena off and
 * glibc mapping every large block, peak RSS 2.20 GiB against 2.74 GiB). With the arena, which the
 * sessions use, peak RSS after the first step is lower too (2.43–2.50 against 2.98–3.05 GiB), but the
 * second step extends the arena further (3.52–3.61 against 3.34–3.44 GiB), so blocking does not pay yet.
 */
export const BLOCKED_ATTENTION_MIN_LENGTH = Number.POSITIVE_INFINITY;

/** Query rows per block that {@link attentionForLength} aims at: T / 128 blocks, rounded up. */
export const ATTENTION_BLOCK_ROWS = 128;

/** The head dimensions {@link blockedAttention} needs (as `attention` in graph-helpers). */
export interface AttentionDims {
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly dtype: FloatType;
}

/** k or v [B, KV, T, d] repeated to [B, H, T, d] for grouped-query attention (transformers' `repeat_kv`). */
function repeatKv(g: GraphBuilder, x: string, dims: AttentionDims): string {
  const { heads, kvHeads, headDim } = dims;
  if (heads === kvHeads) return x;
  const expanded = g.op("Expand", [
    g.op("Unsqueeze", [x, g.int64s([2])]),
    g.int64s([1, 1, heads / kvHeads, 1, 1]),
  ]);
  return g.op("Reshape", [expanded, g.int64s([0, heads, -1, headDim])]);
}

/**
 * Causal scaled dot-product attention over `blocks` query blocks, heads merged back to [B, T, H·d]; the same
 * values as `attention` (graph-helpers), row block by row block. Block b holds query rows
 * ⌊bT/n⌋ … ⌊(b+1)T/n⌋ − 1 (bounds read at run time, so any T runs), and its scores and probabilities
 * [B, H, T/n, T] are freed before the next block's are made.
 *
 * ```text
 * o_b = softmax(q_b · kᵀ / √d + bias_b) · v     out = concat_b(o_b) over the query axis
 * ```
 *
 * The backward (`fusedBlockedAttentionGrad`, recognising this exact pattern at the Concat) keeps nothing of
 * size T × T from the forward: it recomputes each block's probabilities from q_b, k and the bias. So a
 * training step's peak holds one block's [B, H, T/n, T] tensors instead of every layer's [B, H, T, T].
 *
 * @example
 * ```ts
 * const attn = blockedAttention(g, qh, kh, vh, bias, { heads: 6, kvHeads: 3, headDim: 64, dtype: "float32" }, 4);
 * ```
 */
export function blockedAttention(
  g: GraphBuilder,
  q: string,
  k: string,
  v: string,
  bias: string,
  dims: AttentionDims,
  blocks: number,
): string {
  const { heads, headDim } = dims;
  const kT = g.op("Transpose", [repeatKv(g, k, dims)], { perm: [0, 1, 3, 2] });
  const value = repeatKv(g, v, dims);
  const scale = g.scalar(1 / Math.sqrt(headDim), dims.dtype);
  const length = g.op("Shape", [q], { start: 2, end: 3 });
  const bound = (b: number) => g.op("Div", [g.op("Mul", [length, g.int64s([b])]), g.int64s([blocks])]);
  const axes = g.int64s([2]);
  const outputs: string[] = [];
  let start = g.int64s([0]);
  for (let b = 0; b < blocks; b++) {
    const end = b === blocks - 1 ? length : bound(b + 1);
    const qb = g.op("Slice", [q, start, end, axes]);
    const biasB = g.op("Slice", [bias, start, end, axes]);
    const scores = g.op("Mul", [g.op("MatMul", [qb, kT]), scale]);
    const probs = g.op("Softmax", [g.op("Add", [scores, biasB])], { axis: -1 });
    outputs.push(g.op("MatMul", [probs, value]));
    start = end;
  }
  const out = g.op("Concat", outputs, { axis: 2 });
  // The blocks' row counts are read at run time, so shape inference cannot tell that the Concat has q's
  // rows back; typed like q, later values keep their symbolic dims (and gradient rules their static paths).
  const qType = g.typeOf(q);
  const [batch, , rows] = qType?.shape ?? [];
  const known = qType !== undefined && batch !== undefined && rows !== undefined;
  if (known) g.setType(out, { dtype: qType.dtype, shape: [batch, heads, rows, headDim] });
  const transposed = g.op("Transpose", [out], { perm: [0, 2, 1, 3] });
  const merged = g.op("Reshape", [transposed, g.int64s([0, 0, heads * headDim])]);
  if (known) g.setType(merged, { dtype: qType.dtype, shape: [batch, rows, heads * headDim] });
  return merged;
}

/**
 * Attention for a family's decoder layer: over query blocks ({@link blockedAttention}, T / 128 of them) in a
 * graph that will be differentiated (`trainable`: its weights are graph inputs) and attends over its own
 * tokens only, when it expects sequences of at least {@link BLOCKED_ATTENTION_MIN_LENGTH} tokens; else
 * `attention` from graph-helpers (forward-only graphs, short sequences, a key/value cache's few queries).
 *
 * @example
 * ```ts
 * const attn = attentionForLength(g, q, k, v, bias, dims, kv === undefined && g.constantOf(wq) === undefined);
 * ```
 */
export function attentionForLength(
  g: GraphBuilder,
  q: string,
  k: string,
  v: string,
  bias: string,
  dims: AttentionDims,
  trainable: boolean,
): string {
  const expected = expectedSequenceLength(g);
  if (!trainable || expected === undefined || expected < BLOCKED_ATTENTION_MIN_LENGTH)
    return attention(g, q, k, v, bias, dims);
  return blockedAttention(g, q, k, v, bias, dims, Math.ceil(expected / ATTENTION_BLOCK_ROWS));
}
