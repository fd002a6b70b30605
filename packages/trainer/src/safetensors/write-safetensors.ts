import { writeFile } from "node:fs/promises";
import { SafetensorsError } from "./safetensors-error.js";
import { shapeSize, type WeightData, type WeightMap } from "./tensor.js";

function dtypeOf(data: WeightData): "F32" | "I32" | "I64" {
  if (data instanceof Float32Array) return "F32";
  if (data instanceof Int32Array) return "I32";
  return "I64";
}

/**
 * Serialise tensors to the safetensors format: float tensors as F32, integer ones as I32/I64, in the
 * map's order, the JSON header padded with spaces to a multiple of 8 bytes (as the Rust writer does).
 *
 * @param metadata optional string-to-string `__metadata__` (transformers writes `{ format: "pt" }`)
 * @throws SafetensorsError when a tensor's data length does not match its shape
 * @example
 * ```ts
 * const bytes = writeSafetensors(new Map([["w", { shape: [2], data: new Float32Array([1, 2]) }]]));
 * ```
 */
export function writeSafetensors(
  tensors: WeightMap,
  metadata: Record<string, string> = { format: "pt" },
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    if (t.data.length !== shapeSize(t.shape)) {
      throw new SafetensorsError(
        `tensor "${name}" has ${t.data.length} values but shape ${JSON.stringify(t.shape)}`,
        { file: "<write>", tensor: name },
      );
    }
    header[name] = {
      dtype: dtypeOf(t.data),
      shape: [...t.shape],
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  while (encoder.encode(json).byteLength % 8 !== 0) json += " ";
  const headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
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
export async function writeSafetensorsFile(path: string, tensors: WeightMap): Promise<void> {
  await writeFile(path, writeSafetensors(tensors));
}
