/** Element types a checkpoint tensor can have once read: floats are always widened to float32. */
export type WeightData = Float32Array | Int32Array | BigInt64Array;

/**
 * One named weight in memory: a dense row-major array and its shape.
 *
 * @example
 * ```ts
 * const t: WeightTensor = { shape: [2, 3], data: new Float32Array(6) };
 * ```
 */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: WeightData;
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
