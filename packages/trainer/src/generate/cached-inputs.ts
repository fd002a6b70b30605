import { MASKED_SCORE } from "../models/forward-inputs.js";
import type { FloatType, KeyValueHook } from "../models/model-family.js";
import type { GraphBuilder } from "../onnx/builder.js";
import { DECODER_IO } from "./decoder-io.js";

/** The values a cached forward starts from (names of graph values). */
export interface CachedInputs {
  readonly dtype: FloatType;
  /** New token ids [B, S], int64. */
  readonly inputIds: string;
  /** Position of each new token [B, S], int64. */
  readonly positionIds: string;
  /** Additive attention bias [B, 1, S, P + S]: 0 where key j ≤ query P + i and j is not padding, else −1e9. */
  readonly attentionBias: string;
  /** Past key and value of each layer, [B, KV, P, d]. */
  readonly past: readonly { readonly key: string; readonly value: string }[];
  /** `true`: logits [B, V] of the last position only; `false`: logits [B, S, V]. */
  readonly lastOnly: boolean;
}

/** Shape of the key/value cache: heads, head size and layer count. */
export interface CacheDims {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
}

/**
 * Declare the cached decoder's inputs: `input_ids` [B, S], `attention_mask` [B, P + S] (1 = token,
 * 0 = padding), optionally `position_ids` [B, S], and `past_key_values.L.key/value` [B, KV, P, d]; and derive
 * positions (when not an input) and the causal + padding bias of the S new queries over all P + S keys.
 *
 * ```text
 * pos[b, i]      = max(0, Σ_{s ≤ P+i} mask[b, s] − 1)
 * bias[b,0,i,j]  = 0 if j ≤ P + i and mask[b, j] = 1, else −1e9
 * ```
 *
 * @example
 * ```ts
 * const inputs = declareCachedInputs(g, { layers: 2, kvHeads: 2, headDim: 8 }, { lastOnly: true });
 * ```
 */
export function declareCachedInputs(
  g: GraphBuilder,
  dims: CacheDims,
  options: { dtype?: FloatType; lastOnly: boolean; positionInput?: boolean },
): CachedInputs {
  const dtype = options.dtype ?? "float32";
  // "batch_size" is the symbol transformers.js resolves when it creates the empty cache.
  const inputIds = g.input(DECODER_IO.inputIds, "int64", ["batch_size", "sequence_length"]);
  const mask = g.input(DECODER_IO.attentionMask, "int64", ["batch_size", "total_sequence_length"]);
  const givenPositions =
    options.positionInput === true
      ? g.input(DECODER_IO.positionIds, "int64", ["batch_size", "sequence_length"])
      : undefined;
  const past = Array.from({ length: dims.layers }, (_, l) => {
    const shape = ["batch_size", dims.kvHeads, "past_sequence_length", dims.headDim];
    return {
      key: g.input(DECODER_IO.pastKey(l), dtype, shape),
      value: g.input(DECODER_IO.pastValue(l), dtype, shape),
    };
  });
  return g.scoped("mask", () => {
    const one = g.constant(BigInt64Array.from([1n]), []);
    const zero = g.constant(BigInt64Array.from([0n]), []);
    const total = g.op("Gather", [g.op("Shape", [mask]), one], { axis: 0 });
    const fresh = g.op("Gather", [g.op("Shape", [inputIds]), one], { axis: 0 });
    const start = g.op("Sub", [total, fresh]);
    const positionIds =
      givenPositions ??
      g.op("Slice", [
        g.op("Max", [g.op("Sub", [g.op("CumSum", [mask, one]), one]), zero]),
        g.op("Unsqueeze", [start, g.int64s([0])]),
        g.op("Unsqueeze", [total, g.int64s([0])]),
        g.int64s([1]),
      ]);
    const keys = g.op("Range", [zero, total, one]);
    const queries = g.op("Range", [start, total, one]);
    const causal = g.op("LessOrEqual", [
      g.op("Unsqueeze", [keys, g.int64s([0])]),
      g.op("Unsqueeze", [queries, g.int64s([1])]),
    ]);
    const notPadding = g.op("Unsqueeze", [g.cast(mask, "bool"), g.int64s([1, 2])]);
    const allowed = g.op("And", [causal, notPadding]);
    const attentionBias = g.op("Where", [allowed, g.scalar(0, dtype), g.scalar(MASKED_SCORE, dtype)]);
    return { dtype, inputIds, positionIds, attentionBias, past, lastOnly: options.lastOnly };
  });
}

/**
 * The hidden state of the last position, [B, E], when only the next token's logits are wanted.
 *
 * @example
 * ```ts
 * const h = lastPosition(g, hidden); // [B, S, E] → [B, E]
 * ```
 */
export function lastPosition(g: GraphBuilder, hidden: string): string {
  return g.op("Gather", [hidden, g.constant(BigInt64Array.from([-1n]), [])], { axis: 1 });
}

/**
 * The key/value hook of a cached forward: each layer's new keys and values are appended to its past ones
 * (along the sequence axis), and the extended pair is recorded in `present` as the layer's output cache.
 *
 * ```text
 * key_l = concat(past_l.key, k_l);  value_l = concat(past_l.value, v_l);  present[l] = (key_l, value_l)
 * ```
 *
 * The concatenations are named `present.L.key` / `present.L.value` ({@link DECODER_IO}), the names the
 * decoder graph outputs them under.
 *
 * @example
 * ```ts
 * const present: { key: string; value: string }[] = [];
 * const hidden = llamaDecoder(g, config, weight, inputs, appendPast(g, inputs.past, present));
 * ```
 */
export function appendPast(
  g: GraphBuilder,
  past: CachedInputs["past"],
  present: { key: string; value: string }[],
): KeyValueHook {
  return (layer, key, value) => {
    const cache = past[layer];
    if (cache === undefined) throw new RangeError(`no past key/value for layer ${layer}`);
    // Named as the graph's outputs, so the decoder returns them without an Identity copying the whole cache.
    const entry = {
      key: g.op("Concat", [cache.key, key], { axis: 2 }, { outputs: [DECODER_IO.presentKey(layer)] }),
      value: g.op("Concat", [cache.value, value], { axis: 2 }, { outputs: [DECODER_IO.presentValue(layer)] }),
    };
    present.push(entry);
    return entry;
  };
}
