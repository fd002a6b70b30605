import { linear } from "../models/graph-helpers.js";
import type { GraphBuilder } from "../onnx/builder.js";
import { scopePrefixOf } from "../onnx/scope-prefix.js";

/** Logits per sequence row that one head chunk may hold: 2²⁰ (4 MiB of float32 per row). */
export const HEAD_CHUNK_ELEMENTS = 2 ** 20;
/** At most this many head chunks, however long the sequences. */
export const MAX_HEAD_CHUNKS = 16;

/**
 * How many chunks of positions the log-prob head is split into for sequences of `length` tokens over a
 * vocabulary of `vocab`: one while a row's logits fit in {@link HEAD_CHUNK_ELEMENTS}, then as many as keep
 * each chunk's within it, at most {@link MAX_HEAD_CHUNKS}.
 *
 * ```text
 * K = min(16, max(1, ⌈T·V / 2²⁰⌉))      (SmolLM, V = 49152: T = 256 → 12, T ≥ 342 → 16; V = 259 → 1)
 * ```
 *
 * @example
 * ```ts
 * headChunkCount(256, 49152); // 12
 * ```
 */
export function headChunkCount(length: number, vocab: number): number {
  return Math.min(MAX_HEAD_CHUNKS, Math.max(1, Math.ceil((length * vocab) / HEAD_CHUNK_ELEMENTS)));
}

/**
 * The head chunk (`…/head.<k>/`) a node of the log-prob head belongs to, or undefined: the recomputation
 * segments of the chunked head (see `recomputeSegments`), so a backward rebuilds one chunk's logits at a time.
 *
 * @example
 * ```ts
 * headChunkOf({ ...node, name: "logprob/head.2/MatMul" }); // "logprob/head.2/"
 * ```
 */
export const headChunkOf = scopePrefixOf(/(?:^|\/)head\.\d+\//);

/**
 * The log-prob of every position's target token, [B, T]: the LM head applied to `hidden` [B, T, D] and a
 * log-softmax over the vocabulary, picking `targets` [B, T] (int64). With `chunks` > 1 the positions are
 * split into that many nearly equal slices (whatever T is at run time), each with its own head product,
 * log-softmax and picks (scope `head.<k>`), and the picks concatenated: no [B, T, V] tensor is ever whole,
 * and a backward that recomputes the chunks (`headChunkOf`) holds one chunk's logits at a time. Each row's
 * values are those of the unchunked head (the same row products and reductions).
 *
 * ```text
 * s_k = ⌊k·T/K⌋;   pick[:, s_k:s_(k+1)] = log_softmax(hidden[:, s_k:s_(k+1)] · Wᵀ)[targets]
 * ```
 *
 * @example
 * ```ts
 * const picks = emitTargetLogProbs(g, hidden, head, targets, headChunkCount(512, 49152));
 * ```
 */
export function emitTargetLogProbs(
  g: GraphBuilder,
  hidden: string,
  head: string,
  targets: string,
  chunks: number,
): string {
  const pick = (h: string, t: string): string => {
    const logSoftmax = g.op("LogSoftmax", [linear(g, h, head)], { axis: -1 });
    const index = g.op("Unsqueeze", [t, g.int64s([-1])]);
    return g.op("Squeeze", [g.op("GatherElements", [logSoftmax, index], { axis: -1 }), g.int64s([-1])]);
  };
  if (chunks <= 1) return pick(hidden, targets);
  const [hType, tType] = [g.typeOf(hidden), g.typeOf(targets)];
  const length = g.op("Slice", [g.op("Shape", [targets]), g.int64s([1]), g.int64s([2])]);
  const bound = (k: number): string =>
    k === 0 ? g.int64s([0]) : g.op("Div", [g.op("Mul", [length, g.int64s([k])]), g.int64s([chunks])]);
  const bounds = Array.from({ length: chunks + 1 }, (_, k) => bound(k));
  const axis = g.int64s([1]);
  const picks: string[] = [];
  for (let k = 0; k < chunks; k++) {
    const [start, end] = [bounds[k] as string, bounds[k + 1] as string];
    const h = g.op("Slice", [hidden, start, end, axis]);
    const t = g.op("Slice", [targets, start, end, axis]);
    // One symbol for the chunk's length on both, so the picks provably share the log-softmax's leading
    // axes (its fused gradient needs that); the builder cannot work the sliced lengths out itself.
    const span = `head_chunk_${k}`;
    if (hType?.shape !== undefined)
      g.setType(h, { ...hType, shape: [hType.shape[0] ?? null, span, ...hType.shape.slice(2)] });
    if (tType?.shape !== undefined) g.setType(t, { ...tType, shape: [tType.shape[0] ?? null, span] });
    picks.push(g.scoped(`head.${k}`, () => pick(h, t)));
  }
  return g.op("Concat", picks, { axis: 1 });
}
