import { familyOf } from "../models/family-of.js";
import type { WeightOptions } from "../models/model-weights.js";
import { addModelWeights } from "../models/model-weights.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { GraphBuilder } from "../onnx/builder.js";
import type { Model } from "../onnx/types.js";
import { declareCachedInputs } from "./cached-inputs.js";
import { DECODER_IO } from "./decoder-io.js";

/** Options of {@link buildDecoderModel}. */
export interface DecoderModelOptions extends Pick<WeightOptions, "dtype"> {
  /**
   * `"last"` (default): `logits` [B, V] of the last position only, what sampling needs;
   * `"all"`: [B, S, V], what transformers.js expects of an export.
   */
  readonly logits?: "last" | "all";
  /**
   * Take `position_ids` [B, S] as an input (transformers.js feeds them) instead of deriving them from
   * `attention_mask` (default false).
   */
  readonly positionInput?: boolean;
}

/**
 * The decoder graph with a key/value cache, in the layout of transformers.js / Optimum exports.
 *
 * ```text
 * inputs:  input_ids [B, S], attention_mask [B, P + S], (position_ids [B, S]),
 *          past_key_values.L.key / .value [B, KV, P, d]        (P = 0 on the first call)
 * outputs: logits [B, V] (or [B, S, V]), present.L.key / .value [B, KV, P + S, d]
 * ```
 *
 * Each new token costs one position: feed the prompt once with an empty past, then one token at a time
 * with the previous call's `present` as the next `past`. Weights are initializers named like the
 * checkpoint tensors.
 *
 * @example
 * ```ts
 * const onnx = buildDecoderModel(await loadPretrainedModel("models/tiny-llama"));
 * const session = await InferenceSession.create(encodeModel(onnx));
 * ```
 */
export function buildDecoderModel(model: PretrainedModel, options: DecoderModelOptions = {}): Model {
  const { config } = model;
  const family = familyOf(config).cached;
  const g = new GraphBuilder({ name: `${config.family}_decoder` });
  const dtype = options.dtype ?? "float32";
  const inputs = declareCachedInputs(g, family.cacheDims(config), {
    dtype,
    lastOnly: (options.logits ?? "last") === "last",
    positionInput: options.positionInput ?? false,
  });
  const weight = addModelWeights(g, model, { dtype });
  const names = new Set(model.weights.keys());
  const { logits, present } = family.build(g, config, weight, inputs, names);
  g.output(g.op("Identity", [logits], {}, { outputs: [DECODER_IO.logits] }));
  // appendPast already names each layer's concatenation as its output: no Identity copying the cache.
  const named = (value: string, name: string) =>
    value === name ? value : g.op("Identity", [value], {}, { outputs: [name] });
  present.forEach(({ key, value }, l) => {
    g.output(named(key, DECODER_IO.presentKey(l)));
    g.output(named(value, DECODER_IO.presentValue(l)));
  });
  return g.toModel();
}
