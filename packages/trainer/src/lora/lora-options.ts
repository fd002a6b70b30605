import { TrainConfigError } from "../train-step/train-config-error.js";
import { type LoraConfig, validateLoraConfig } from "./lora-config.js";
import { ALL_LINEAR } from "./lora-modules.js";

/**
 * The LoRA adapter `apo train --lora` trains when no other value is given: rank 16, alpha 32 (scale 2, TRL's
 * `ModelConfig` defaults for `lora_r`/`lora_alpha`), on every linear layer of the decoder blocks (PEFT's
 * `"all-linear"`, as QLoRA recommends: the LM head and embeddings stay frozen), without rsLoRA.
 *
 * @example
 * ```ts
 * LORA_DEFAULTS.r; // 16
 * ```
 */
export const LORA_DEFAULTS: LoraConfig = { r: 16, alpha: 32, targets: [ALL_LINEAR], rsLora: false };

/**
 * How a training run asks for LoRA: `true` for {@link LORA_DEFAULTS}, a partial config whose missing fields
 * take those defaults, or `false`/`null` for full fine-tuning.
 *
 * @example
 * ```ts
 * const option: LoraOption = { r: 8, targets: ["q_proj", "v_proj"] }; // alpha 32
 * ```
 */
export type LoraOption = boolean | Partial<LoraConfig> | null;

/**
 * The LoRA config a run's option asks for (null: full fine-tuning), defaults filled in and checked.
 *
 * @throws TrainConfigError naming `lora.r`, `lora.alpha`, `lora.targets` or `lora.rsLora`
 * @example
 * ```ts
 * resolveLoraOption({ r: 8 }); // { r: 8, alpha: 32, targets: ["all-linear"], rsLora: false }
 * resolveLoraOption(false); // null
 * ```
 */
export function resolveLoraOption(option: LoraOption | undefined): LoraConfig | null {
  if (option === undefined || option === null || option === false) return null;
  if (option === true) return LORA_DEFAULTS;
  if (typeof option !== "object") throw new TrainConfigError("lora", option, "true, false or a LoRA config");
  const config: LoraConfig = {
    r: option.r ?? LORA_DEFAULTS.r,
    alpha: option.alpha ?? LORA_DEFAULTS.alpha,
    targets: [...(option.targets ?? LORA_DEFAULTS.targets)],
    rsLora: option.rsLora ?? false,
  };
  if (typeof config.rsLora !== "boolean")
    throw new TrainConfigError("lora.rsLora", config.rsLora, "a boolean");
  validateLoraConfig(config);
  return config;
}
