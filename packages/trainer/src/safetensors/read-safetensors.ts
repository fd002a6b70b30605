import { open } from "node:fs/promises";
import type { FloatType } from "../float-type.js";
import { bfloat16BitsToNumber, float16BitsToNumber } from "./float-bits.js";
import { isFloatDtype, SAFETENSORS_DTYPE_BYTES, type SafetensorsDtype } from "./safetensors-dtype.js";
import { NonFiniteWeightError, SafetensorsError } from "./safetensors-error.js";
import { checkHeaderLength, type HeaderEntry, parseSafetensorsHeader } from "./safetensors-header.js";
import { shapeSize, type WeightData, type WeightMap } from "./tensor.js";

export type { SafetensorsDtype } from "./safetensors-dtype.js";

/**
 * Options of {@link readSafetensors} and {@link readSafetensorsFile}.
 *
 * @example
 * ```ts
 * const options: ReadSafetensorsOptions = { dtype: "float64" };
 * ```
 */
export interface ReadSafetensorsOptions {
  /**
   * In-memory type of float tensors (default float32). F32, F16 and BF16 widen exactly to either; F64 is
   * kept exactly by float64 and rounded to nearest by float32.
   */
  readonly dtype?: FloatType;
  /** Read only these tensors (default: all); the others are never read from disk. */
  readonly names?: ReadonlySet<string>;
}

/**
 * Parse a safetensors file held in memory.
 *
 * Layout: an 8-byte little-endian header length N, N bytes of JSON
 * (`{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {...} }`), then the raw data.
 * F32/F64/F16/BF16 tensors come back as `Float32Array` (or `Float64Array` with `dtype: "float64"`), I64 as
 * `BigInt64Array`, I32 as `Int32Array`, each with its stored dtype as `sourceDtype`.
 *
 * @param bytes the whole file
 * @param file a name used in error messages
 * @throws SafetensorsError on a truncated or malformed header, an unknown dtype, or offsets that overlap,
 * leave gaps or run past the end; NonFiniteWeightError on a NaN or infinite float
 * @example
 * ```ts
 * const weights = readSafetensors(await readFile("model.safetensors"));
 * weights.get("model.embed_tokens.weight")?.shape; // [vocab, hidden]
 * ```
 */
export function readSafetensors(
  bytes: Uint8Array,
  file = "<memory>",
  options: ReadSafetensorsOptions = {},
): WeightMap {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = checkHeaderLength(
    bytes.byteLength < 8 ? 0n : view.getBigUint64(0, true),
    bytes.byteLength,
    file,
  );
  const dataStart = 8 + headerLength;
  const entries = parseSafetensorsHeader(bytes.subarray(8, dataStart), file, bytes.byteLength - dataStart);
  const out: WeightMap = new Map();
  for (const entry of entries) {
    if (options.names !== undefined && !options.names.has(entry.name)) continue;
    const target = allocate(entry, options.dtype ?? "float32");
    const chunk = bytes.subarray(dataStart + entry.begin, dataStart + entry.end);
    // Copy first: the slice may not be aligned for a typed-array view.
    decodeInto(target, 0, new Uint8Array(chunk), entry.dtype);
    if (isFloatDtype(entry.dtype)) {
      const values = target as Float32Array | Float64Array;
      checkFinite(values, 0, values.length, entry, file, options.dtype ?? "float32");
    }
    out.set(entry.name, { shape: [...entry.shape], data: target, sourceDtype: entry.dtype });
  }
  return out;
}

/**
 * Read one safetensors file from disk through a file handle: the header first, then each tensor from its
 * offsets straight into its typed array (F16/BF16/F64 conversions go through a small scratch buffer), so
 * a file of any size needs no more memory than its tensors.
 *
 * @throws SafetensorsError, NonFiniteWeightError (see {@link readSafetensors})
 * @example
 * ```ts
 * const weights = await readSafetensorsFile("model.safetensors");
 * ```
 */
export async function readSafetensorsFile(
  path: string,
  options: ReadSafetensorsOptions = {},
): Promise<WeightMap> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const prefix = new Uint8Array(8);
    if (size >= 8) await readExactly(handle, prefix, 0, path);
    const headerLength = checkHeaderLength(
      size < 8 ? 0n : new DataView(prefix.buffer).getBigUint64(0, true),
      size,
      path,
    );
    const json = new Uint8Array(headerLength);
    await readExactly(handle, json, 8, path);
    const dataStart = 8 + headerLength;
    const entries = parseSafetensorsHeader(json, path, size - dataStart);
    const out: WeightMap = new Map();
    const dtype = options.dtype ?? "float32";
    for (const entry of entries) {
      if (options.names !== undefined && !options.names.has(entry.name)) continue;
      const target = allocate(entry, dtype);
      await readTensor(handle, dataStart + entry.begin, entry, target, path, dtype);
      out.set(entry.name, { shape: [...entry.shape], data: target, sourceDtype: entry.dtype });
    }
    return out;
  } finally {
    await handle.close();
  }
}

type FileHandle = Awaited<ReturnType<typeof open>>;

/** The most bytes one read call moves (fs reads are capped below 2 GiB). */
const MAX_READ = 1 << 30;
/** Bytes per read into a scratch buffer, for dtypes that are converted (a multiple of every element width). */
const SCRATCH_BYTES = 1 << 24;
/** Bytes per read straight into a tensor: large enough to amortise a call, small enough to overlap. */
const DIRECT_CHUNK_BYTES = 1 << 26;
/**
 * Reads kept outstanding per tensor. Several reads fill the page cache on several threads: a fresh 3 GiB
 * file reads 3–5× faster with 2–4 than with one.
 */
const READS_IN_FLIGHT = 4;

async function readExactly(
  handle: FileHandle,
  into: Uint8Array,
  position: number,
  file: string,
): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const length = Math.min(into.byteLength - done, MAX_READ);
    const { bytesRead } = await handle.read(into, done, length, position + done);
    if (bytesRead === 0) {
      // Only when the file shrank while being read: the header was checked against its size.
      throw new SafetensorsError(`${file}: unexpected end of file at byte ${position + done}`, { file });
    }
    done += bytesRead;
  }
}

/**
 * Read one tensor into `target` and check its floats are finite, in chunks with up to
 * {@link READS_IN_FLIGHT} reads outstanding on libuv's thread pool while this thread checks (and, for
 * converted dtypes, decodes) the chunks already read. Same-layout data (F32 into float32, …) is read
 * straight into the target; other dtypes through one scratch buffer per outstanding read.
 */
async function readTensor(
  handle: FileHandle,
  position: number,
  entry: HeaderEntry,
  target: WeightData,
  file: string,
  dtype: FloatType,
): Promise<void> {
  const width = SAFETENSORS_DTYPE_BYTES[entry.dtype];
  const total = entry.end - entry.begin;
  const direct = sameLayout(entry.dtype, target);
  const chunkBytes = direct ? DIRECT_CHUNK_BYTES : SCRATCH_BYTES;
  const chunks = Math.ceil(total / chunkBytes);
  const targetBytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
  const scratch = direct
    ? []
    : Array.from(
        { length: Math.min(READS_IN_FLIGHT, chunks) },
        () => new Uint8Array(Math.min(chunkBytes, total)),
      );
  const into = (k: number) => {
    const [from, to] = [k * chunkBytes, Math.min(total, (k + 1) * chunkBytes)];
    return direct ? targetBytes.subarray(from, to) : scratch[k % scratch.length]!.subarray(0, to - from);
  };
  const reads: Promise<void>[] = [];
  const issue = (k: number) => {
    const read = readExactly(handle, into(k), position + k * chunkBytes, file);
    read.catch(() => undefined); // awaited below in order; never an unhandled rejection meanwhile
    reads[k] = read;
  };
  for (let k = 0; k < Math.min(READS_IN_FLIGHT, chunks); k++) issue(k);
  try {
    for (let k = 0; k < chunks; k++) {
      await reads[k];
      const bytes = into(k);
      const first = (k * chunkBytes) / width;
      if (!direct) decodeInto(target, first, bytes, entry.dtype);
      // The scratch buffer is free again once decoded, so the next read may reuse it.
      if (k + READS_IN_FLIGHT < chunks) issue(k + READS_IN_FLIGHT);
      if (isFloatDtype(entry.dtype)) {
        const values = target as Float32Array | Float64Array;
        checkFinite(values, first, first + bytes.byteLength / width, entry, file, dtype);
      }
    }
  } catch (error) {
    await Promise.allSettled(reads); // the handle must outlive the reads still in flight
    throw error;
  }
}

/** Whether the stored bytes are already the target array's bytes (F32 → float32, F64 → float64, ints). */
function sameLayout(dtype: SafetensorsDtype, target: WeightData): boolean {
  return (
    (dtype === "F32" && target instanceof Float32Array) ||
    (dtype === "F64" && target instanceof Float64Array) ||
    (dtype === "I32" && target instanceof Int32Array) ||
    (dtype === "I64" && target instanceof BigInt64Array)
  );
}

function allocate(entry: HeaderEntry, dtype: FloatType): WeightData {
  const n = shapeSize(entry.shape);
  if (entry.dtype === "I64") return new BigInt64Array(n);
  if (entry.dtype === "I32") return new Int32Array(n);
  return dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
}

/**
 * Decode `bytes` (whole elements of `dtype`, at an aligned offset) into `target` from element `at`.
 * Half-precision goes through a 65536-entry table: exact, and an order of magnitude faster than bit
 * arithmetic per element.
 */
function decodeInto(target: WeightData, at: number, bytes: Uint8Array, dtype: SafetensorsDtype): void {
  const n = bytes.byteLength / SAFETENSORS_DTYPE_BYTES[dtype];
  const { buffer, byteOffset } = bytes;
  switch (dtype) {
    case "F32":
      (target as Float32Array | Float64Array).set(new Float32Array(buffer, byteOffset, n), at);
      return;
    case "F64":
      (target as Float32Array | Float64Array).set(new Float64Array(buffer, byteOffset, n), at);
      return;
    case "I32":
      (target as Int32Array).set(new Int32Array(buffer, byteOffset, n), at);
      return;
    case "I64":
      (target as BigInt64Array).set(new BigInt64Array(buffer, byteOffset, n), at);
      return;
    case "F16":
    case "BF16": {
      const bits = new Uint16Array(buffer, byteOffset, n);
      const table = halfTable(dtype);
      const out = target as Float32Array | Float64Array;
      for (let i = 0; i < n; i++) out[at + i] = table[bits[i]!]!;
      return;
    }
  }
}

const halfTables: Partial<Record<"F16" | "BF16", Float32Array>> = {};

function halfTable(dtype: "F16" | "BF16"): Float32Array {
  let table = halfTables[dtype];
  if (table === undefined) {
    const convert = dtype === "F16" ? float16BitsToNumber : bfloat16BitsToNumber;
    table = new Float32Array(0x10000);
    for (let bits = 0; bits < 0x10000; bits++) table[bits] = convert(bits);
    halfTables[dtype] = table;
  }
  return table;
}

/**
 * Throw NonFiniteWeightError at the first NaN or ±∞ in `values[from, to)`. x·0 is ±0 for every finite x
 * and NaN otherwise, so a block's sum of x·0 is 0 exactly when the block is finite: one multiply-add per
 * element and one branch per block, which keeps a 3 GiB scan near a second.
 */
function checkFinite(
  values: Float32Array | Float64Array,
  from: number,
  to: number,
  entry: HeaderEntry,
  file: string,
  dtype: FloatType,
): void {
  for (let block = from; block < to; block += 4096) {
    const end = Math.min(to, block + 4096);
    let sum = 0;
    for (let i = block; i < end; i++) sum += values[i]! * 0;
    if (sum === 0) continue;
    for (let i = block; i < end; i++) {
      const v = values[i]!;
      if (v * 0 !== 0) throw new NonFiniteWeightError(file, entry.name, i, v, entry.dtype, dtype);
    }
  }
}
