import { loraAdapterOf } from "../lora/lora-graph.js";
import type { GraphBuilder } from "../onnx/builder.js";
import type { FloatType } from "./model-family.js";

/**
 * A dense layer over the last axis of x, as one 2-D Gemm over the flattened leading axes:
 * x [..., in] → [N, in], Gemm, → [..., out]. With a constant weight (pre-packed by onnxruntime) one large
 * GEMM is what onnxruntime runs fastest (measured: a 3-D MatMul against a transposed weight is fused into
 * a batched product that runs slower), and its gradient is two Gemms with no transposed weight copies.
 * A small weight that is a graph input takes {@link densePerSequence} instead, unless the graph expects
 * short sequences ({@link expectSequenceLength}).
 *
 * ```text
 * y = reshape(Gemm(flatten(x), W, b, transB), [..., out])
 * ```
 */
function denseLastAxis(g: GraphBuilder, x: string, w: string, b: string | undefined, transB: 0 | 1): string {
  const rank = g.typeOf(x)?.shape?.length;
  const perSequence = rank === 3 && g.constantOf(w) === undefined && !expectsShortSequences(g);
  const widths = perSequence ? perSequenceWidths(g, w, transB) : undefined;
  if (widths !== undefined) return densePerSequence(g, x, w, b, transB, widths);
  const flat = rank === 2 ? x : g.op("Flatten", [x], { axis: -1 });
  const y = g.op("Gemm", b === undefined ? [flat, w] : [flat, w, b], { transB });
  if (rank === 2) return y;
  const shape = g.typeOf(w)?.shape;
  const out = shape?.[transB === 1 ? 0 : 1];
  const lead = g.op("Shape", [x], { end: -1 });
  // The output width as a number when the weight's shape is known, so shapes stay fully inferred.
  const width = g.int64s([typeof out === "number" ? out : -1]);
  return g.op("Reshape", [y, g.op("Concat", [lead, width], { axis: 0 })]);
}

/**
 * Largest weight (elements) that {@link densePerSequence} repeats per sequence: the expansion costs
 * B × the weight in memory, so larger layers (models beyond a few tens of millions of parameters, where
 * one large Gemm is efficient anyway) keep the 2-D Gemm.
 */
const PER_SEQUENCE_MAX_WEIGHT = 1 << 20;

/**
 * Shortest padded sequence length (T) from which {@link densePerSequence} is used. Its fixed cost is B × each
 * weight (the expanded weights, their packing per product, the partial weight gradients), whatever T is.
 * The forward+backward graph of a 6 × 384 Llama against the 2-D Gemm form, paired runs: 16 × 128 tokens
 * 1.10× slower, 8 × 256 1.07× slower, 16 × 256 1.06× faster, 16 × 384 1.20× faster, 16 × 512 1.15× faster;
 * the demo's alignment runs (a 64-position model) took 35 s instead of 48 s without it.
 */
export const PER_SEQUENCE_MIN_LENGTH = 256;

const expectedLengths = new WeakMap<GraphBuilder, number>();

/**
 * Declare the padded sequence length (T) that the graph built in `g` will mostly be fed, which the dense
 * layers of trainable weights take their form from: per-sequence products from
 * {@link PER_SEQUENCE_MIN_LENGTH} tokens, one 2-D Gemm below. Any length still runs either way.
 *
 * @example
 * ```ts
 * expectSequenceLength(g, 96); // short sequences: 2-D Gemms
 * ```
 */
export function expectSequenceLength(g: GraphBuilder, length: number): void {
  expectedLengths.set(g, length);
}

/**
 * The padded sequence length declared with {@link expectSequenceLength} for the graph built in `g`, if any.
 *
 * @example
 * ```ts
 * expectSequenceLength(g, 512);
 * expectedSequenceLength(g); // 512
 * ```
 */
export function expectedSequenceLength(g: GraphBuilder): number | undefined {
  return expectedLengths.get(g);
}

function expectsShortSequences(g: GraphBuilder): boolean {
  return (expectedLengths.get(g) ?? Number.POSITIVE_INFINITY) < PER_SEQUENCE_MIN_LENGTH;
}

/** [in, out] of a weight small enough for {@link densePerSequence} (static shape), else `undefined`. */
function perSequenceWidths(g: GraphBuilder, w: string, transB: 0 | 1): [number, number] | undefined {
  const [d0, d1, ...rest] = g.typeOf(w)?.shape ?? [];
  if (typeof d0 !== "number" || typeof d1 !== "number" || rest.length > 0) return undefined;
  if (d0 * d1 > PER_SEQUENCE_MAX_WEIGHT) return undefined;
  return transB === 1 ? [d1, d0] : [d0, d1];
}

/**
 * A dense layer whose weight is a graph input (a trainable graph), as one product per sequence:
 * x [B, T, in] times the weight expanded to [B, in, out]. onnxruntime runs the B products one per thread,
 * each with an output block that stays in cache, which measured 20–30 % faster than one 2-D Gemm over
 * all B·T rows with a weight it cannot pre-pack (an initializer's weight is pre-packed: see
 * {@link denseLastAxis}). `matmulGrad` recognises the expansion and computes the weight gradient per
 * sequence too (`perSequenceWeightGradient`).
 *
 * ```text
 * y[s] = x[s] · W′ + b   for each sequence s,  W′ = Wᵀ (nn.Linear) or W (Conv1D)
 * ```
 */
function densePerSequence(
  g: GraphBuilder,
  x: string,
  w: string,
  b: string | undefined,
  transB: 0 | 1,
  widths: [inWidth: number, outWidth: number],
): string {
  const wIn = transB === 1 ? g.op("Transpose", [w], { perm: [1, 0] }) : w;
  const batch = g.op("Shape", [x], { end: 1 });
  const perSequence = g.op("Expand", [
    g.op("Unsqueeze", [wIn, g.int64s([0])]),
    g.op("Concat", [batch, g.int64s(widths)], { axis: 0 }),
  ]);
  const y = g.op("MatMul", [x, perSequence]);
  return b === undefined ? y : g.op("Add", [y, b]);
}

/**
 * `y = x · Wᵀ + b` for an nn.Linear weight W of shape [out, in] (Llama layout), over the last axis of x.
 *
 * @example
 * ```ts
 * const q = linear(g, x, weight("model.layers.0.self_attn.q_proj.weight"));
 * ```
 */
export function linear(g: GraphBuilder, x: string, w: string, b?: string): string {
  return withLora(g, x, w, denseLastAxis(g, x, w, b, 1));
}

/**
 * `y = x · W + b` for a GPT-2 Conv1D weight W of shape [in, out], over the last axis of x.
 *
 * @example
 * ```ts
 * const qkv = conv1d(g, x, weight("transformer.h.0.attn.c_attn.weight"), weight("transformer.h.0.attn.c_attn.bias"));
 * ```
 */
export function conv1d(g: GraphBuilder, x: string, w: string, b: string): string {
  return withLora(g, x, w, denseLastAxis(g, x, w, b, 0));
}

/**
 * The dense layer's output plus its LoRA term when the graph declared an adapter for the base weight `w`
 * (`declareLoraAdapters`); `y` unchanged otherwise. A [r, in] and B [out, r] multiply as nn.Linear weights.
 *
 * ```text
 * y + ((x·Aᵀ) · (s · lora_scale))·Bᵀ
 * ```
 */
function withLora(g: GraphBuilder, x: string, w: string, y: string): string {
  const adapter = loraAdapterOf(g, w);
  if (adapter === undefined) return y;
  return g.scoped("lora", () => {
    const down = g.op("Mul", [denseLastAxis(g, x, adapter.a, undefined, 1), adapter.scale]);
    return g.op("Add", [y, denseLastAxis(g, down, adapter.b, undefined, 1)]);
  });
}

/**
 * Split [B, T, heads·d] into heads: [B, heads, T, d].
 *
 * @example
 * ```ts
 * const qh = splitHeads(g, q, 8, 64);
 * ```
 */
export function splitHeads(g: GraphBuilder, x: string, heads: number, d: number): string {
  return g.op("Transpose", [g.op("Reshape", [x, g.int64s([0, 0, heads, d])])], { perm: [0, 2, 1, 3] });
}

/**
 * Causal scaled dot-product attention with an additive bias, then heads merged back to [B, T, H·d].
 * `k`/`v` may have fewer heads (grouped-query attention): each is repeated for H / KV query heads,
 * query head h reading key/value head ⌊h / (H/KV)⌋ (transformers' `repeat_kv`).
 *
 * ```text
 * out = softmax(q · kᵀ / √d + bias) · v
 * ```
 *
 * @example
 * ```ts
 * const attn = attention(g, qh, kh, vh, bias, { heads: 8, kvHeads: 4, headDim: 64, dtype: "float32" });
 * ```
 */
export function attention(
  g: GraphBuilder,
  q: string,
  k: string,
  v: string,
  bias: string,
  dims: { heads: number; kvHeads: number; headDim: number; dtype: FloatType },
): string {
  const { heads, kvHeads, headDim } = dims;
  const repeat = (x: string) => {
    if (heads === kvHeads) return x;
    const expanded = g.op("Expand", [
      g.op("Unsqueeze", [x, g.int64s([2])]),
      g.int64s([1, 1, heads / kvHeads, 1, 1]),
    ]);
    return g.op("Reshape", [expanded, g.int64s([0, heads, -1, headDim])]);
  };
  const kT = g.op("Transpose", [repeat(k)], { perm: [0, 1, 3, 2] });
  const scores = g.op("Mul", [g.op("MatMul", [q, kT]), g.scalar(1 / Math.sqrt(headDim), dims.dtype)]);
  const probs = g.op("Softmax", [g.op("Add", [scores, bias])], { axis: -1 });
  const out = g.op("MatMul", [probs, repeat(v)]);
  return g.op("Reshape", [
    g.op("Transpose", [out], { perm: [0, 2, 1, 3] }),
    g.int64s([0, 0, heads * headDim]),
  ]);
}
