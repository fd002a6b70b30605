import { ApoError } from "../errors.js";

/**
 * A model's `config.json` names a model type, or a field value, that the model builders do not support.
 * `field` is the JSON key at fault and `value` what it held.
 *
 * @example
 * ```ts
 * throw new UnsupportedConfigError("model_type", "mamba", "supported: llama, mistral, qwen2, gpt2");
 * ```
 */
export class UnsupportedConfigError extends ApoError {
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, hint: string) {
    super("UNSUPPORTED_CONFIG", `config.json: unsupported ${field} = ${JSON.stringify(value)}; ${hint}`);
    this.field = field;
    this.value = value;
  }
}
