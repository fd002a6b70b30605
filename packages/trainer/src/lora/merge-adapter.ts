import { MissingWeightError } from "../models/model-errors.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import type { WeightData, WeightMap } from "../safetensors/tensor.js";
import { loraAName, loraBName, loraScale } from "./lora-config.js";
import { AdapterError } from "./lora-errors.js";
import type { LoraAdapter } from "./peft-adapter.js";

/**
 * The base model with a LoRA adapter folded into its weights (PEFT's `merge_and_unload`): each wrapped
 * layer's weight gains the low-rank update, so the merged model computes what base + adapter computes, with
 * no adapter at run time. The update is summed in float64 and rounded once into the weight's own array type
 * (float32 or float64); every weight keeps its `sourceDtype`, so saving writes the base's dtype. The base
 * model is not modified: merged weights are new arrays, the others are shared.
 *
 * ```text
 * linear  W [out, in]:  W' = W + s · B·A          (B [out, r], A [r, in])
 * conv1d  W [in, out]:  W' = W + s · (B·A)ᵀ       (GPT-2's Conv1D, PEFT's fan_in_fan_out)
 * s = alpha / r   (rsLoRA: alpha / √r)
 * ```
 *
 * @throws MissingWeightError (a base weight the adapter wraps), AdapterError (an adapter tensor absent or mis-sized)
 * @example
 * ```ts
 * const base = await loadPretrainedModel("models/base");
 * const merged = mergeLoraAdapter(base, await loadLoraAdapter("adapters/a", { model: base }));
 * await savePretrainedModel(merged, "models/merged");
 * ```
 */
export function mergeLoraAdapter(model: PretrainedModel, adapter: LoraAdapter): PretrainedModel {
  const s = loraScale(adapter.config);
  const r = adapter.config.r;
  const weights: WeightMap = new Map(model.weights);
  for (const m of adapter.modules) {
    const { inFeatures: nIn, outFeatures: nOut } = m;
    const base = model.weights.get(m.baseWeight);
    if (base === undefined) throw new MissingWeightError(m.baseWeight, model.source ?? "<memory>");
    const w = floats(base.data, m.baseWeight, nIn * nOut);
    const a = floats(adapter.weights.get(loraAName(m.module))?.data, loraAName(m.module), r * nIn);
    const b = floats(adapter.weights.get(loraBName(m.module))?.data, loraBName(m.module), nOut * r);
    const merged = w instanceof Float64Array ? new Float64Array(w.length) : new Float32Array(w.length);
    const conv = m.layout === "conv1d";
    for (let o = 0; o < nOut; o++) {
      for (let i = 0; i < nIn; i++) {
        let delta = 0;
        for (let k = 0; k < r; k++) delta += b[o * r + k]! * a[k * nIn + i]!;
        const at = conv ? i * nOut + o : o * nIn + i;
        merged[at] = w[at]! + s * delta;
      }
    }
    weights.set(m.baseWeight, { ...base, data: merged });
  }
  return { ...model, weights };
}

/** A tensor's values as floats of the expected length, or an AdapterError naming it. */
function floats(data: WeightData | undefined, name: string, length: number): Float32Array | Float64Array {
  if (!(data instanceof Float32Array || data instanceof Float64Array) || data.length !== length) {
    throw new AdapterError(
      "<memory>",
      name,
      `tensor "${name}" must be ${length} floats to merge, found ${data === undefined ? "none" : `${data.length} ${data.constructor.name} values`}`,
    );
  }
  return data;
}
