import type { ModelConfig } from "../config/model-config.js";
import type { GraphBuilder } from "../onnx/builder.js";
import type { CacheDims, CachedInputs } from "./cached-inputs.js";

/** What a cached forward returns: logits and the present key/value of each layer ([B, KV, P + S, d]). */
export interface CachedOutputs {
  /** [B, V] with `lastOnly`, else [B, S, V]. */
  readonly logits: string;
  readonly present: readonly { readonly key: string; readonly value: string }[];
}

/**
 * A model family's forward with a key/value cache: the same weights and maths as its
 * `ModelFamily.buildLogits`, but it attends over past keys/values given as inputs and returns the
 * extended cache. Registered in `cached-families.ts`.
 *
 * @example
 * ```ts
 * const { logits, present } = CACHED_FAMILIES.llama.build(g, config, weight, inputs, names);
 * ```
 */
export interface CachedFamily<C extends ModelConfig = ModelConfig> {
  readonly family: C["family"];
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
