import type { SafetensorsDtype } from "./safetensors-dtype.js";

/**
 * Element types a checkpoint tensor can have once read: floats as float32 (the default) or float64 (a
 * float64 run), integers as they are stored.
 */
export type WeightData = Float32Array | Float64Array | Int32Array | BigInt64Array;

/**
 * One named weight in memory: a dense row-major array, its shape, and the dtype it was stored in.
 *
 * @example
 * ```ts
 * const t: WeightTensor = { shape: [2, 3], data: new Float32Array(6), sourceDtype: "BF16" };
 * ```
 */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: WeightData;
  /**
   * The safetensors dtype the tensor was read from, when it was read from a file. Saving writes a float
   * tensor back in this dtype unless told otherwise, so a BF16 checkpoint stays BF16.
   */
  readonly sourceDtype?: SafetensorsDtype;
}

/** Tensors by their Hugging Face names, in file order. */
export type WeightMap = Map<string, WeightTensor>;

/**
 * Number of elements of a shape: the product of its dimensions (1 for a scalar).
 *
 * @example
 * ```ts
 * shapeSize([2, 3]); // 6
 * ```
 */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
