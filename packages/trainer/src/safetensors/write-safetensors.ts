import { open } from "node:fs/promises";
import { numberToBfloat16Bits, numberToFloat16Bits } from "./float-bits.js";
import {
  type FloatSafetensorsDtype,
  isFloatDtype,
  SAFETENSORS_DTYPE_BYTES,
  type SafetensorsDtype,
} from "./safetensors-dtype.js";
import { SafetensorsError } from "./safetensors-error.js";
import { shapeSize, type WeightData, type WeightMap, type WeightTensor } from "./tensor.js";

/**
 * Options of {@link writeSafetensors}.
 *
 * @example
 * ```ts
 * const options: WriteSafetensorsOptions = { floatDtype: "BF16" };
 * ```
 */
export interface WriteSafetensorsOptions {
  /**
   * How every float tensor is stored. Default: each tensor's `sourceDtype` (a BF16 checkpoint read and
   * written stays BF16), else F64 for `Float64Array` data and F32 for `Float32Array`. F16/BF16 round to
   * nearest even; F32 from float64 data rounds to nearest.
   */
  readonly floatDtype?: FloatSafetensorsDtype;
  /** String-to-string `__metadata__` (default `{ format: "pt" }`, as transformers writes). */
  readonly metadata?: Record<string, string>;
}

/**
 * The dtype a tensor is written in: integers as they are; floats as `floatDtype`, else the tensor's
 * float `sourceDtype`, else by array type (float64 → F64, float32 → F32).
 *
 * @example
 * ```ts
 * storedDtype({ shape: [2], data: new Float32Array(2), sourceDtype: "BF16" }); // "BF16"
 * ```
 */
export function storedDtype(t: WeightTensor, floatDtype?: FloatSafetensorsDtype): SafetensorsDtype {
  if (t.data instanceof Int32Array) return "I32";
  if (t.data instanceof BigInt64Array) return "I64";
  if (floatDtype !== undefined) return floatDtype;
  if (t.sourceDtype !== undefined && isFloatDtype(t.sourceDtype)) return t.sourceDtype;
  return t.data instanceof Float64Array ? "F64" : "F32";
}

/**
 * Bytes a tensor takes when written (see {@link storedDtype}).
 *
 * @example
 * ```ts
 * storedByteLength({ shape: [2], data: new Float32Array(2) }); // 8
 * ```
 */
export function storedByteLength(t: WeightTensor, floatDtype?: FloatSafetensorsDtype): number {
  return t.data.length * SAFETENSORS_DTYPE_BYTES[storedDtype(t, floatDtype)];
}

interface Planned {
  readonly name: string;
  readonly tensor: WeightTensor;
  readonly dtype: SafetensorsDtype;
}

/** The header bytes (JSON padded with spaces to a multiple of 8, as the Rust writer does) and the order. */
function plan(
  tensors: WeightMap,
  options: WriteSafetensorsOptions,
  file: string,
): { header: Uint8Array; planned: Planned[]; dataLength: number } {
  const header: Record<string, unknown> = { __metadata__: options.metadata ?? { format: "pt" } };
  const planned: Planned[] = [];
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (tensor.data.length !== shapeSize(tensor.shape)) {
      throw new SafetensorsError(
        `tensor "${name}" has ${tensor.data.length} values but shape ${JSON.stringify(tensor.shape)}`,
        { file, tensor: name },
      );
    }
    const dtype = storedDtype(tensor, options.floatDtype);
    const bytes = tensor.data.length * SAFETENSORS_DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: [...tensor.shape], data_offsets: [offset, offset + bytes] };
    planned.push({ name, tensor, dtype });
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  json += " ".repeat((8 - (encoder.encode(json).byteLength % 8)) % 8);
  const headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  return { header: out, planned, dataLength: offset };
}

/** Elements encoded per step when writing to a file: bounded scratch memory for conversions. */
const CHUNK_ELEMENTS = 1 << 20;

/** Elements [from, to) of `data` as the bytes of `dtype` (a view when no conversion is needed). */
function encodeRange(data: WeightData, dtype: SafetensorsDtype, from: number, to: number): Uint8Array {
  const view = (d: ArrayBufferView) => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (data instanceof Int32Array || data instanceof BigInt64Array) return view(data.subarray(from, to));
  const part = data.subarray(from, to);
  switch (dtype) {
    case "F32":
      return view(part instanceof Float32Array ? part : Float32Array.from(part));
    case "F64":
      return view(part instanceof Float64Array ? part : Float64Array.from(part));
    case "F16":
    case "BF16": {
      const convert = dtype === "F16" ? numberToFloat16Bits : numberToBfloat16Bits;
      const bits = new Uint16Array(part.length);
      for (let i = 0; i < part.length; i++) bits[i] = convert(part[i]!);
      return view(bits);
    }
    default:
      throw new SafetensorsError(`cannot store float data as ${dtype}`, { file: "<write>" });
  }
}

/**
 * Serialise tensors to the safetensors format in memory: floats in their source dtype (or `floatDtype`),
 * integers as I32/I64, in the map's order, the JSON header padded with spaces to a multiple of 8 bytes.
 * For large models use {@link writeSafetensorsFile}, which streams tensor by tensor.
 *
 * @throws SafetensorsError when a tensor's data length does not match its shape
 * @example
 * ```ts
 * const bytes = writeSafetensors(new Map([["w", { shape: [2], data: new Float32Array([1, 2]) }]]));
 * ```
 */
export function writeSafetensors(tensors: WeightMap, options: WriteSafetensorsOptions = {}): Uint8Array {
  const { header, planned, dataLength } = plan(tensors, options, "<write>");
  const out = new Uint8Array(header.byteLength + dataLength);
  out.set(header, 0);
  let at = header.byteLength;
  for (const { tensor, dtype } of planned) {
    const bytes = encodeRange(tensor.data, dtype, 0, tensor.data.length);
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  return out;
}

/**
 * Write tensors to a safetensors file (format as {@link writeSafetensors}) through a file handle, one
 * bounded chunk at a time: the file is never held in memory whole, so any size can be written.
 *
 * @example
 * ```ts
 * await writeSafetensorsFile("out/model.safetensors", weights);
 * ```
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: WeightMap,
  options: WriteSafetensorsOptions = {},
): Promise<void> {
  const { header, planned } = plan(tensors, options, path);
  const handle = await open(path, "w");
  try {
    await writeAll(handle, header);
    for (const { tensor, dtype } of planned) {
      for (let from = 0; from < tensor.data.length; from += CHUNK_ELEMENTS) {
        const to = Math.min(tensor.data.length, from + CHUNK_ELEMENTS);
        await writeAll(handle, encodeRange(tensor.data, dtype, from, to));
      }
    }
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: Awaited<ReturnType<typeof open>>, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done);
    done += bytesWritten;
  }
}
