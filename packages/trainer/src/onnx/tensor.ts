import { OnnxGraphError } from "../errors.js";
import type { DataType, Tensor, TensorData } from "./types.js";

/**
 * Number of elements of a shape (1 for a scalar).
 *
 * @example
 * ```ts
 * sizeOf([2, 3]); // 6
 * ```
 */
export function sizeOf(dims: readonly number[]): number {
  let size = 1;
  for (const d of dims) size *= d;
  return size;
}

/**
 * The dtype implied by a typed array (`Uint8Array` → `uint8`, `Uint16Array` → `uint16`, string arrays →
 * `string`).
 *
 * @example
 * ```ts
 * dtypeOfData(new Float64Array(1)); // "float64"
 * ```
 */
export function dtypeOfData(data: TensorData): DataType {
  if (Array.isArray(data)) return "string";
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof Uint8Array) return "uint8";
  if (data instanceof Int16Array) return "int16";
  if (data instanceof Uint16Array) return "uint16";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Uint32Array) return "uint32";
  if (data instanceof BigInt64Array) return "int64";
  return "uint64";
}

/**
 * A tensor from values and dims, checking that they agree. The dtype is taken from the array unless
 * given (pass `"bool"`, `"float16"` or `"bfloat16"` for those stored as `Uint8Array`/`Uint16Array`).
 *
 * @example
 * ```ts
 * const w = makeTensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
 * ```
 */
export function makeTensor(data: TensorData, dims: readonly number[], dtype?: DataType): Tensor {
  const size = sizeOf(dims);
  if (data.length !== size) {
    throw new OnnxGraphError(`tensor has ${data.length} values but dims [${dims.join(", ")}] need ${size}`);
  }
  return { dtype: dtype ?? dtypeOfData(data), dims: [...dims], data };
}

/**
 * A 1-D int64 tensor from plain numbers (shapes, axes, indices).
 *
 * @example
 * ```ts
 * int64Tensor([0, -1]); // { dtype: "int64", dims: [2], data: BigInt64Array [0n, -1n] }
 * ```
 */
export function int64Tensor(values: readonly number[], dims: readonly number[] = [values.length]): Tensor {
  return makeTensor(
    BigInt64Array.from(values, (v) => BigInt(v)),
    dims,
    "int64",
  );
}

/**
 * A tensor's values as plain numbers (int64 converted with `Number`, so values beyond 2^53 round).
 *
 * @example
 * ```ts
 * tensorToNumbers(int64Tensor([3, 4])); // [3, 4]
 * ```
 */
export function tensorToNumbers(tensor: Tensor): number[] {
  const data = tensor.data;
  if (Array.isArray(data)) throw new OnnxGraphError("string tensor has no numeric values");
  const out: number[] = [];
  for (const v of data) out.push(Number(v));
  return out;
}

/**
 * A scalar (rank 0) tensor of a float or integer dtype.
 *
 * @example
 * ```ts
 * scalarTensor(0.5, "float64"); // { dtype: "float64", dims: [], data: Float64Array [0.5] }
 * ```
 */
export function scalarTensor(value: number, dtype: DataType): Tensor {
  return fullTensor(value, [], dtype);
}

/**
 * A tensor of `dims` filled with `value` (float32/float64/int32/int64/bool; float16 is not supported here).
 *
 * @example
 * ```ts
 * fullTensor(1, [2, 2], "float32");
 * ```
 */
export function fullTensor(value: number, dims: readonly number[], dtype: DataType): Tensor {
  const size = sizeOf(dims);
  switch (dtype) {
    case "float32":
      return makeTensor(new Float32Array(size).fill(value), dims);
    case "float64":
      return makeTensor(new Float64Array(size).fill(value), dims);
    case "int32":
      return makeTensor(new Int32Array(size).fill(value), dims);
    case "int64":
      return makeTensor(new BigInt64Array(size).fill(BigInt(value)), dims);
    case "bool":
      return makeTensor(new Uint8Array(size).fill(value ? 1 : 0), dims, "bool");
    default:
      throw new OnnxGraphError(`cannot make a filled ${dtype} tensor; use makeTensor with its bit patterns`);
  }
}
