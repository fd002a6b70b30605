import type { ModelConfig } from "../config/model-config.js";
import type { CacheDims, CachedInputs } from "../generate/cached-inputs.js";
import type { GraphBuilder } from "../onnx/builder.js";

/**
 * One weight an architecture needs: its Hugging Face name, shape, and how a fresh random model
 * initialises it (`normal` uses the tiny model's std).
 */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: "normal" | "ones" | "zeros";
}

import type { FloatType } from "../float-type.js";

export type { FloatType };

/** The values every family's forward graph starts from (names of graph values). */
export interface ForwardInputs {
  /** Precision of the weights and activations. */
  readonly dtype: FloatType;
  /** Token ids [B, T], int64. */
  readonly inputIds: string;
  /** Position of each token [B, T], int64: cumsum(attention_mask) − 1, at least 0. */
  readonly positionIds: string;
  /** Additive attention bias [B, 1, T, T] of `dtype`: 0 where key j ≤ query i and j is not padding, else −1e9. */
  readonly attentionBias: string;
}

/**
 * Given a layer's new keys and values ([B, KV, T, d], after RoPE where the family has it), returns the keys
 * and values attention should read: a family's forward with a key/value cache appends them to the past ones.
 *
 * @example
 * ```ts
 * const appendPast: KeyValueHook = (l, key, value) => ({ key: g.op("Concat", [past[l].key, key], { axis: 2 }), value });
 * ```
 */
export type KeyValueHook = (layer: number, key: string, value: string) => { key: string; value: string };

/**
 * Dimensions of a tiny random model; families map them onto their config fields.
 */
export interface TinyDims {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  /** Llama only: grouped-query attention (defaults to numHeads / 2 when it divides). */
  readonly numKeyValueHeads?: number;
  readonly intermediateSize: number;
  readonly maxPositions: number;
  /** Llama only (GPT-2 always ties). */
  readonly tieWordEmbeddings?: boolean;
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
}

/** What a cached forward returns: logits and the present key/value of each layer ([B, KV, P + S, d]). */
export interface CachedOutputs {
  /** [B, V] with `lastOnly`, else [B, S, V]. */
  readonly logits: string;
  readonly present: readonly { readonly key: string; readonly value: string }[];
}

/**
 * A family's forward with a key/value cache, for decoding: the same weights and maths as its
 * `buildLogits`, but it attends over past keys/values given as inputs and returns the extended cache.
 *
 * @example
 * ```ts
 * const { logits, present } = FAMILIES.llama.cached.build(g, config, weight, inputs, names);
 * ```
 */
export interface CachedForward<C extends ModelConfig = ModelConfig> {
  /** Heads and head size of the cache. */
  cacheDims(config: C): CacheDims;
  build(
    g: GraphBuilder,
    config: C,
    weight: (name: string) => string,
    inputs: CachedInputs,
    names: ReadonlySet<string>,
  ): CachedOutputs;
}

/**
 * A model family: how to name and shape its weights, build its forward graph (with and without a key/value
 * cache), and describe a tiny instance. Registered in `families/index.ts` under its `family` name.
 *
 * @example
 * ```ts
 * const logits = FAMILIES.llama.buildLogits(g, config, weight, inputs);
 * ```
 */
export interface ModelFamily<C extends ModelConfig = ModelConfig> {
  readonly family: C["family"];
  /**
   * The weights the forward graph reads. `names` are the checkpoint's tensor names, used to detect
   * naming variants (GPT-2 with or without `transformer.`); empty for a fresh model.
   */
  weightSpecs(config: C, names: ReadonlySet<string>): WeightSpec[];
  /**
   * Emit the forward graph up to logits [B, T, V] (of `inputs.dtype`). `weight(name)` returns the graph value
   * holding the named checkpoint tensor; `names` are the checkpoint's tensor names.
   */
  buildLogits(
    g: GraphBuilder,
    config: C,
    weight: (name: string) => string,
    inputs: ForwardInputs,
    names: ReadonlySet<string>,
  ): string;
  /**
   * The same forward up to the LM head: the final-normed hidden states [B, T, hidden] and the LM head's
   * weight [V, hidden] (the embeddings when tied), so that `buildLogits` is `linear(g, hidden, head)` and
   * a caller can apply the head to slices of `hidden` (the log-prob graph's chunked head).
   */
  buildHidden(
    g: GraphBuilder,
    config: C,
    weight: (name: string) => string,
    inputs: ForwardInputs,
    names: ReadonlySet<string>,
  ): { hidden: string; head: string };
  /** The forward with a key/value cache that generation decodes with. */
  readonly cached: CachedForward<C>;
  /** A `config.json` object for a tiny model of this family. */
  tinyConfig(dims: TinyDims): Record<string, unknown>;
}
