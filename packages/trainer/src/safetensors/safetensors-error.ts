import { ApoError } from "../errors.js";

/**
 * A safetensors file (or a sharded checkpoint's index) is malformed or asks for something unsupported:
 * a header length beyond the file or above 100 MB, a header that is not JSON, an unknown dtype, offsets
 * that overlap, leave a gap or run past the end of the file. `file` names the file, `tensor` the tensor
 * when one is at fault.
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

/**
 * A sharded checkpoint's index names a shard outside the model folder (`../x.safetensors`, an absolute
 * path). The shard is never opened.
 *
 * @example
 * ```ts
 * throw new ShardPathError("models/x/model.safetensors.index.json", "lm_head.weight", "../../x");
 * ```
 */
export class ShardPathError extends ApoError {
  /** The index file. */
  readonly file: string;
  /** The first tensor the index places in that shard. */
  readonly tensor: string;
  /** The shard path as the index writes it. */
  readonly shard: string;
  constructor(file: string, tensor: string, shard: string) {
    super(
      "SHARD_PATH_OUTSIDE_MODEL",
      `${file}: tensor "${tensor}" is placed in shard ${JSON.stringify(shard)}, which is outside the model folder; shard paths must be file names relative to the folder`,
    );
    this.file = file;
    this.tensor = tensor;
    this.shard = shard;
  }
}

/**
 * A float tensor holds NaN or ±∞ (checked after conversion, so an F64 value beyond float32's range read
 * into a float32 run is caught too).
 *
 * @example
 * ```ts
 * throw new NonFiniteWeightError("model.safetensors", "model.norm.weight", 3, Number.NaN, "F32", "float32");
 * ```
 */
export class NonFiniteWeightError extends ApoError {
  readonly file: string;
  readonly tensor: string;
  /** Flat index of the first non-finite element. */
  readonly index: number;
  /** Its value once converted (NaN, Infinity or -Infinity). */
  readonly value: number;
  /** The dtype stored in the file. */
  readonly dtype: string;
  constructor(file: string, tensor: string, index: number, value: number, dtype: string, readAs: string) {
    const overflow = Number.isNaN(value)
      ? ""
      : ` (${dtype} read as ${readAs}: a value beyond ${readAs}'s range overflows)`;
    super(
      "NON_FINITE_WEIGHT",
      `${file}: tensor "${tensor}" has ${value} at flat index ${index}${overflow}; a weight must be finite — the checkpoint is corrupt or its training diverged, use an earlier one`,
    );
    this.file = file;
    this.tensor = tensor;
    this.index = index;
    this.value = value;
    this.dtype = dtype;
  }
}
