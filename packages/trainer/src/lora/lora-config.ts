import { checkNumber, TrainConfigError } from "../train-step/train-config-error.js";

/**
 * A LoRA adapter's shape, as PEFT's `LoraConfig` states it: rank r, alpha, the linear modules it wraps
 * (PEFT's `target_modules`, matched as the last component(s) of a module path: `q_proj` wraps every
 * `model.layers.N.self_attn.q_proj`), and rsLoRA's scaling. Dropout is always 0 and there is no bias.
 *
 * Each wrapped linear layer y = x·Wᵀ (+ b) gains a low-rank term, with A of shape [r, in] and B of
 * shape [out, r] (the same shapes for GPT-2's Conv1D layers, whose base weight is [in, out]):
 *
 * ```text
 * y = x·Wᵀ (+ b) + s · (x·Aᵀ)·Bᵀ,   s = alpha / r   (rsLoRA: alpha / √r)
 * ```
 *
 * @example
 * ```ts
 * const config: LoraConfig = { r: 16, alpha: 32, targets: ["q_proj", "v_proj"] };
 * loraScale(config); // 2
 * ```
 */
export interface LoraConfig {
  /** Rank of the update (PEFT's `r`), a positive integer. */
  readonly r: number;
  /** PEFT's `lora_alpha`, positive. */
  readonly alpha: number;
  /** PEFT's `target_modules`: module names such as `q_proj`, `v_proj` or GPT-2's `c_attn`. */
  readonly targets: readonly string[];
  /** rsLoRA's scaling alpha/√r instead of alpha/r (PEFT's `use_rslora`), default false. */
  readonly rsLora?: boolean;
}

/**
 * The scale s of a LoRA update: alpha / r, or alpha / √r with rsLoRA.
 *
 * ```text
 * s = alpha / r          (PEFT default)
 * s = alpha / sqrt(r)    (use_rslora)
 * ```
 *
 * @example
 * ```ts
 * loraScale({ r: 16, alpha: 32, targets: ["q_proj"], rsLora: true }); // 8
 * ```
 */
export function loraScale(config: LoraConfig): number {
  return config.rsLora === true ? config.alpha / Math.sqrt(config.r) : config.alpha / config.r;
}

/**
 * Throws a {@link TrainConfigError} naming the parameter unless r is a positive integer, alpha a positive
 * finite number and targets a non-empty list of names.
 *
 * @example
 * ```ts
 * validateLoraConfig({ r: 0, alpha: 32, targets: ["q_proj"] }); // throws: lora.r = 0 is invalid
 * ```
 */
export function validateLoraConfig(config: LoraConfig): void {
  if (!Number.isInteger(config.r) || config.r <= 0) {
    throw new TrainConfigError("lora.r", config.r, "a positive integer");
  }
  checkNumber("lora.alpha", config.alpha, 0, Number.POSITIVE_INFINITY, { loOpen: true, hiOpen: true });
  if (config.targets.length === 0 || config.targets.some((t) => typeof t !== "string" || t === "")) {
    throw new TrainConfigError("lora.targets", config.targets, "a non-empty list of module names");
  }
}

/** Prefix PEFT puts before a module path in `adapter_model.safetensors`. */
export const PEFT_PREFIX = "base_model.model.";

/**
 * The name of a wrapped module's A matrix ([r, in]), the same in memory, in graphs and in PEFT's
 * `adapter_model.safetensors`: `base_model.model.<module>.lora_A.weight`.
 *
 * @example
 * ```ts
 * loraAName("model.layers.0.self_attn.q_proj"); // "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
 * ```
 */
export const loraAName = (module: string): string => `${PEFT_PREFIX}${module}.lora_A.weight`;

/**
 * The name of a wrapped module's B matrix ([out, r]): `base_model.model.<module>.lora_B.weight`.
 *
 * @example
 * ```ts
 * loraBName("transformer.h.0.attn.c_attn"); // "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight"
 * ```
 */
export const loraBName = (module: string): string => `${PEFT_PREFIX}${module}.lora_B.weight`;
