import { writeFile } from "node:fs/promises";
import { numberToBfloat16Bits, numberToFloat16Bits } from "./float-bits.js";
import { SafetensorsError } from "./safetensors-error.js";
import { shapeSize, type WeightMap, type WeightTensor } from "./tensor.js";

/**
 * Options of {@link writeSafetensors}.
 *
 * @example
 * ```ts
 * const options: WriteSafetensorsOptions = { floatDtype: "BF16" };
 * ```
 */
export interface WriteSafetensorsOptions {
  /** How float tensors are stored (default F32; F16/BF16 round to nearest even, halving the size). */
  readonly floatDtype?: "F32" | "F16" | "BF16";
  /** String-to-string `__metadata__` (default `{ format: "pt" }`, as transformers writes). */
  readonly metadata?: Record<string, string>;
}

function encode(t: WeightTensor, floatDtype: "F32" | "F16" | "BF16"): { dtype: string; bytes: Uint8Array } {
  const view = (d: ArrayBufferView) => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (t.data instanceof Int32Array) return { dtype: "I32", bytes: view(t.data) };
  if (t.data instanceof BigInt64Array) return { dtype: "I64", bytes: view(t.data) };
  if (floatDtype === "F32") return { dtype: "F32", bytes: view(t.data) };
  const convert = floatDtype === "F16" ? numberToFloat16Bits : numberToBfloat16Bits;
  return { dtype: floatDtype, bytes: view(Uint16Array.from(t.data, convert)) };
}

/**
 * Serialise tensors to the safetensors format: float tensors as F32 (or F16/BF16 on request), integer
 * ones as I32/I64, in the map's order, the JSON header padded with spaces to a multiple of 8 bytes (as
 * the Rust writer does).
 *
 * @throws SafetensorsError when a tensor's data length does not match its shape
 * @example
 * ```ts
 * const bytes = writeSafetensors(new Map([["w", { shape: [2], data: new Float32Array([1, 2]) }]]));
 * ```
 */
export function writeSafetensors(tensors: WeightMap, options: WriteSafetensorsOptions = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: options.metadata ?? { format: "pt" } };
  const encoded: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (t.data.length !== shapeSize(t.shape)) {
      throw new SafetensorsError(
        `tensor "${name}" has ${t.data.length} values but shape ${JSON.stringify(t.shape)}`,
        { file: "<write>", tensor: name },
      );
    }
    const { dtype, bytes } = encode(t, options.floatDtype ?? "F32");
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    encoded.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  while (encoder.encode(json).byteLength % 8 !== 0) json += " ";
  const headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const bytes of encoded) {
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  return out;
}

/**
 * Write tensors to a safetensors file (see {@link writeSafetensors}).
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
  await writeFile(path, writeSafetensors(tensors, options));
}
