import type { FloatType } from "../float-type.js";
import { SeededRandom } from "../models/seeded-random.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { type LoraConfig, loraAName, loraBName, validateLoraConfig } from "./lora-config.js";
import { type LoraBaseModel, loraModules } from "./lora-modules.js";

/**
 * Fresh LoRA adapters for the modules `config.targets` names on `model`, initialised as PEFT's default
 * (`init_lora_weights=True`): A by `kaiming_uniform_(a=√5)`, B zeros, so the adapted model starts equal to
 * the base model. A and B are keyed by PEFT's tensor names ({@link loraAName}, {@link loraBName}).
 *
 * ```text
 * kaiming_uniform(a): bound = gain · √(3 / fan_in),  gain = √(2 / (1 + a²))
 * a = √5:            bound = √(1/3) · √(3 / in) = 1 / √in
 * A[r, in] ~ U(−1/√in, 1/√in),  B[out, r] = 0,   so  s·B·A = 0 at step 0
 * ```
 *
 * Draws come from {@link SeededRandom}(seed), module by module in model order, A row-major: the same
 * seed gives the same adapters on every machine (not torch's stream: PEFT's A differs, its law does not).
 *
 * @param dtype the arrays' precision (default float32); the values are drawn in float64 and rounded
 * @throws TrainConfigError (r, alpha, targets) or LoraTargetError (an unknown target)
 * @example
 * ```ts
 * const adapters = initLoraWeights(model, { r: 8, alpha: 16, targets: ["q_proj", "v_proj"] }, 42);
 * adapters.get(loraAName("model.layers.0.self_attn.q_proj"))?.shape; // [8, hidden]
 * ```
 */
export function initLoraWeights(
  model: LoraBaseModel,
  config: LoraConfig,
  seed: number,
  dtype: FloatType = "float32",
): WeightMap {
  validateLoraConfig(config);
  const rng = new SeededRandom(seed);
  const make = (n: number) => (dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
  const out: WeightMap = new Map();
  for (const m of loraModules(model, config.targets)) {
    const bound = 1 / Math.sqrt(m.inFeatures);
    const a = make(config.r * m.inFeatures);
    for (let i = 0; i < a.length; i++) a[i] = (2 * rng.uniform() - 1) * bound;
    out.set(loraAName(m.module), { shape: [config.r, m.inFeatures], data: a });
    out.set(loraBName(m.module), { shape: [m.outFeatures, config.r], data: make(m.outFeatures * config.r) });
  }
  return out;
}
