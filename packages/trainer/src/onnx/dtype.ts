import { OnnxGraphError } from "../errors.js";
import type { DataType, TensorData } from "./types.js";

/** ONNX `TensorProto.DataType` code of each supported dtype. */
const ONNX_CODES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  bfloat16: 16,
} as const satisfies Record<DataType, number>;

interface TypedArrayClass {
  new (length: number): Exclude<TensorData, string[]>;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): Exclude<TensorData, string[]>;
}

/** The typed array that stores each numeric dtype (bool as bytes, 16-bit floats as raw bit patterns). */
const TYPED_ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
} as const satisfies Record<Exclude<DataType, "string">, TypedArrayClass>;

/** Bytes per element of each fixed-size dtype (0 for `string`). */
const BYTE_SIZES = {
  float32: 4,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  int32: 4,
  int64: 8,
  string: 0,
  bool: 1,
  float16: 2,
  float64: 8,
  uint32: 4,
  uint64: 8,
  bfloat16: 2,
} as const satisfies Record<DataType, number>;

/**
 * The ONNX `TensorProto.DataType` number of a dtype.
 *
 * @example
 * ```ts
 * dtypeToOnnx("float32"); // 1
 * ```
 */
export function dtypeToOnnx(dtype: DataType): number {
  return ONNX_CODES[dtype];
}

/**
 * The dtype of an ONNX `TensorProto.DataType` number; throws {@link OnnxGraphError} for types we do not
 * support (complex, float8, int4).
 *
 * @example
 * ```ts
 * dtypeFromOnnx(7); // "int64"
 * ```
 */
export function dtypeFromOnnx(code: number): DataType {
  for (const [name, value] of Object.entries(ONNX_CODES)) {
    if (value === code) return name as DataType;
  }
  throw new OnnxGraphError(`unsupported ONNX tensor data type ${code}`);
}

/**
 * Bytes per element of a dtype (0 for `string`).
 *
 * @example
 * ```ts
 * dtypeByteSize("float64"); // 8
 * ```
 */
export function dtypeByteSize(dtype: DataType): number {
  return BYTE_SIZES[dtype];
}

/**
 * Whether a dtype is a floating-point type, i.e. one that gradients flow through.
 *
 * @example
 * ```ts
 * isFloatType("float16"); // true
 * isFloatType("int64"); // false
 * ```
 */
export function isFloatType(dtype: DataType): boolean {
  return dtype === "float32" || dtype === "float64" || dtype === "float16" || dtype === "bfloat16";
}

/**
 * A zero-filled typed array for `length` elements of `dtype`.
 *
 * @example
 * ```ts
 * allocateData("int64", 3); // BigInt64Array [0n, 0n, 0n]
 * ```
 */
export function allocateData(dtype: DataType, length: number): TensorData {
  if (dtype === "string") return new Array<string>(length).fill("");
  return new TYPED_ARRAYS[dtype](length);
}

/**
 * A typed array of `dtype` holding little-endian `bytes`: a copy (so the result is aligned and does not
 * keep a larger buffer alive), or with `view: true` and aligned bytes, a view of them (no copy).
 *
 * @example
 * ```ts
 * dataFromBytes("float32", new Uint8Array(new Float32Array([1.5]).buffer)); // Float32Array [1.5]
 * ```
 */
export function dataFromBytes(
  dtype: DataType,
  bytes: Uint8Array,
  options: { view?: boolean } = {},
): TensorData {
  const size = dtypeByteSize(dtype);
  if (size === 0) throw new OnnxGraphError("string tensors have no raw byte form");
  if (bytes.byteLength % size !== 0) {
    throw new OnnxGraphError(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  }
  if (options.view === true && bytes.byteOffset % size === 0) return viewData(dtype, bytes);
  const data = allocateData(dtype, bytes.byteLength / size);
  if (Array.isArray(data)) throw new OnnxGraphError("string tensors have no raw byte form");
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes);
  return data;
}

function viewData(dtype: DataType, bytes: Uint8Array): TensorData {
  if (dtype === "string") throw new OnnxGraphError("string tensors have no raw byte form");
  return new TYPED_ARRAYS[dtype](
    bytes.buffer as ArrayBuffer,
    bytes.byteOffset,
    bytes.byteLength / dtypeByteSize(dtype),
  );
}

/**
 * The little-endian bytes of a numeric tensor's values (a view, not a copy).
 *
 * @example
 * ```ts
 * bytesOfData(new Float32Array([1])).byteLength; // 4
 * ```
 */
export function bytesOfData(data: TensorData): Uint8Array {
  if (Array.isArray(data)) throw new OnnxGraphError("string tensors have no raw byte form");
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
