import { ApoError } from "../errors.js";

/**
 * A LoRA target (PEFT's `target_modules` entry) matches none of the model's linear layers. The message
 * names the target and lists the layers it could have named.
 *
 * @example
 * ```ts
 * throw new LoraTargetError("qproj", ["model.layers.0.self_attn.q_proj"]);
 * ```
 */
export class LoraTargetError extends ApoError {
  /** The target that matched nothing. */
  readonly target: string;
  /** The model's linear layers (full module paths). */
  readonly linearLayers: readonly string[];

  constructor(target: string, linearLayers: readonly string[]) {
    const names = [...new Set(linearLayers.map((m) => m.slice(m.lastIndexOf(".") + 1)))];
    super(
      "UNKNOWN_LORA_TARGET",
      `LoRA target "${target}" matches no linear layer of the model; targets are matched against the end of a module path (names: ${names.join(", ")}; or "all-linear"). The model's linear layers: ${linearLayers.join(", ")}`,
    );
    this.target = target;
    this.linearLayers = linearLayers;
  }
}

/**
 * A PEFT adapter folder cannot be used: unreadable or invalid `adapter_config.json`, a config value PEFT
 * would refuse (r ≤ 0, alpha ≤ 0, …), or a tensor of `adapter_model.safetensors` whose module or shape does
 * not match the base model. `file` names the file and `field` the key or tensor.
 *
 * @example
 * ```ts
 * throw new AdapterError("adapters/a/adapter_config.json", "r", "r = 0 is invalid: expected a positive integer");
 * ```
 */
export class AdapterError extends ApoError {
  /** The file the problem is in. */
  readonly file: string;
  /** The config key or tensor name at fault. */
  readonly field: string;

  constructor(file: string, field: string, message: string, options?: { cause?: unknown }) {
    super("BAD_ADAPTER", `${file}: ${message}`, options);
    this.file = file;
    this.field = field;
  }
}
