import { readFile } from "node:fs/promises";
import { bfloat16BitsToNumber, float16BitsToNumber } from "./float-bits.js";
import { SafetensorsError } from "./safetensors-error.js";
import { shapeSize, type WeightMap, type WeightTensor } from "./tensor.js";

/** Safetensors dtypes we read, with their byte widths. F16/BF16/F64 are widened or narrowed to float32. */
const DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4 } as const satisfies Record<
  string,
  number
>;

/** A safetensors dtype this package reads. */
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * Parse a safetensors file held in memory.
 *
 * Layout: an 8-byte little-endian header length N, N bytes of JSON
 * (`{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {...} }`), then the raw data.
 * F32/F16/BF16/F64 tensors come back as `Float32Array`, I64 as `BigInt64Array`, I32 as `Int32Array`.
 *
 * @param bytes the whole file
 * @param file a name used in error messages
 * @throws SafetensorsError on a truncated or malformed header, an unknown dtype or out-of-range offsets
 * @example
 * ```ts
 * const weights = readSafetensors(await readFile("model.safetensors"));
 * weights.get("model.embed_tokens.weight")?.shape; // [vocab, hidden]
 * ```
 */
export function readSafetensors(bytes: Uint8Array, file = "<memory>"): WeightMap {
  if (bytes.byteLength < 8) {
    throw new SafetensorsError(
      `${file}: file is ${bytes.byteLength} bytes, too short for a safetensors header`,
      {
        file,
      },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8) {
    throw new SafetensorsError(
      `${file}: header length ${headerLength} exceeds the file size ${bytes.byteLength}; not a safetensors file?`,
      { file },
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (cause) {
    throw new SafetensorsError(`${file}: header is not valid JSON`, { file }, { cause });
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new SafetensorsError(`${file}: header must be a JSON object`, { file });
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const out: WeightMap = new Map();
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const entry = checkEntry(raw, name, file, dataLength);
    out.set(
      name,
      decodeTensor(
        bytes.subarray(dataStart + entry.data_offsets[0], dataStart + entry.data_offsets[1]),
        entry,
      ),
    );
  }
  return out;
}

/**
 * Read one safetensors file from disk.
 *
 * @example
 * ```ts
 * const weights = await readSafetensorsFile("model.safetensors");
 * ```
 */
export async function readSafetensorsFile(path: string): Promise<WeightMap> {
  return readSafetensors(await readFile(path), path);
}

function checkEntry(raw: unknown, name: string, file: string, dataLength: number): HeaderEntry {
  const fail = (why: string): never => {
    throw new SafetensorsError(`${file}: tensor "${name}" ${why}`, { file, tensor: name });
  };
  if (typeof raw !== "object" || raw === null) return fail("has no header entry object");
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== "string" || !(dtype in DTYPE_BYTES)) {
    return fail(`has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(", ")}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    return fail(`has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isInteger(o) && o >= 0) ||
    offsets[0] > offsets[1] ||
    offsets[1] > dataLength
  ) {
    return fail(`has data_offsets ${JSON.stringify(offsets)} outside the ${dataLength}-byte data section`);
  }
  const expected = shapeSize(shape as number[]) * DTYPE_BYTES[dtype as SafetensorsDtype];
  if (offsets[1] - offsets[0] !== expected) {
    return fail(
      `spans ${offsets[1] - offsets[0]} bytes but ${dtype}${JSON.stringify(shape)} needs ${expected}`,
    );
  }
  return { dtype, shape: shape as number[], data_offsets: offsets as [number, number] };
}

function decodeTensor(slice: Uint8Array, entry: HeaderEntry): WeightTensor {
  // Copy first: the slice may not be aligned for a typed-array view.
  const copy = new Uint8Array(slice);
  const n = shapeSize(entry.shape);
  const shape = [...entry.shape];
  switch (entry.dtype as SafetensorsDtype) {
    case "F32":
      return { shape, data: new Float32Array(copy.buffer, 0, n) };
    case "F64":
      return { shape, data: Float32Array.from(new Float64Array(copy.buffer, 0, n)) };
    case "I64":
      return { shape, data: new BigInt64Array(copy.buffer, 0, n) };
    case "I32":
      return { shape, data: new Int32Array(copy.buffer, 0, n) };
    case "F16":
    case "BF16": {
      const bits = new Uint16Array(copy.buffer, 0, n);
      const convert = entry.dtype === "F16" ? float16BitsToNumber : bfloat16BitsToNumber;
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = convert(bits[i]!);
      return { shape, data };
    }
  }
}
