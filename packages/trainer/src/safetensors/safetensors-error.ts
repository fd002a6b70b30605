import { ApoError } from "../errors.js";

/**
 * A safetensors file (or a sharded checkpoint's index) is malformed or asks for something unsupported.
 * `file` names the file, `tensor` the tensor when one is at fault.
 *
 * @example
 * ```ts
 * try { readSafetensors(bytes) } catch (e) { if (e instanceof SafetensorsError) console.log(e.file) }
 * ```
 */
export class SafetensorsError extends ApoError {
  readonly file: string;
  readonly tensor: string | undefined;
  constructor(message: string, facts: { file: string; tensor?: string }, options?: { cause?: unknown }) {
    super("SAFETENSORS_INVALID", message, options);
    this.file = facts.file;
    this.tensor = facts.tensor;
  }
}
