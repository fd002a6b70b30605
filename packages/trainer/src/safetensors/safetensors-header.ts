import { SAFETENSORS_DTYPE_BYTES, type SafetensorsDtype } from "./safetensors-dtype.js";
import { SafetensorsError } from "./safetensors-error.js";
import { shapeSize } from "./tensor.js";

/** Largest JSON header we accept, as the reference Rust reader does (100 MB); larger is not a safetensors file. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor's header entry, checked: byte range relative to the start of the data section. */
export interface HeaderEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * Check the 8-byte header length against the file: at most {@link MAX_HEADER_BYTES}, and room for it.
 *
 * @throws SafetensorsError naming the file
 * @example
 * ```ts
 * checkHeaderLength(view.getBigUint64(0, true), fileSize, "model.safetensors"); // 1234
 * ```
 */
export function checkHeaderLength(headerLength: bigint, fileSize: number, file: string): number {
  if (fileSize < 8) {
    throw new SafetensorsError(`${file}: file is ${fileSize} bytes, too short for a safetensors header`, {
      file,
    });
  }
  if (headerLength > BigInt(fileSize - 8)) {
    throw new SafetensorsError(
      `${file}: header length ${headerLength} exceeds the file size ${fileSize}; not a safetensors file, or truncated?`,
      { file },
    );
  }
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      `${file}: header length ${headerLength} is above the ${MAX_HEADER_BYTES}-byte limit; not a safetensors file?`,
      { file },
    );
  }
  return Number(headerLength);
}

/**
 * Parse and check a safetensors JSON header against the data section that follows it: every dtype known,
 * every shape a list of non-negative integers, every byte range the size its dtype and shape need, and the
 * ranges tiling the data section exactly (no overlap, no gap, nothing past the end), as the format requires.
 *
 * @param json the header bytes (after the 8-byte length)
 * @param dataLength bytes after the header
 * @returns the tensors in header order (`__metadata__` skipped)
 * @throws SafetensorsError naming the file and, where one is at fault, the tensor
 * @example
 * ```ts
 * const entries = parseSafetensorsHeader(headerBytes, "model.safetensors", fileSize - 8 - headerBytes.length);
 * ```
 */
export function parseSafetensorsHeader(json: Uint8Array, file: string, dataLength: number): HeaderEntry[] {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(json));
  } catch (cause) {
    throw new SafetensorsError(`${file}: header is not valid JSON`, { file }, { cause });
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new SafetensorsError(`${file}: header must be a JSON object`, { file });
  }
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name !== "__metadata__") entries.push(checkEntry(raw, name, file, dataLength));
  }
  checkTiling(entries, file, dataLength);
  return entries;
}

function checkEntry(raw: unknown, name: string, file: string, dataLength: number): HeaderEntry {
  const fail = (why: string): never => {
    throw new SafetensorsError(`${file}: tensor "${name}" ${why}`, { file, tensor: name });
  };
  if (typeof raw !== "object" || raw === null) return fail("has no header entry object");
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== "string" || !Object.hasOwn(SAFETENSORS_DTYPE_BYTES, dtype)) {
    return fail(
      `has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(", ")}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return fail(`has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    return fail(
      `has invalid data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with begin ≤ end`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength) {
    return fail(
      `has data_offsets [${begin}, ${end}] past the end of the ${dataLength}-byte data section; the file is truncated or its header is wrong`,
    );
  }
  const expected = shapeSize(shape as number[]) * SAFETENSORS_DTYPE_BYTES[dtype as SafetensorsDtype];
  if (end - begin !== expected) {
    return fail(`spans ${end - begin} bytes but ${dtype}${JSON.stringify(shape)} needs ${expected}`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

/** The byte ranges must cover [0, dataLength) once each: safetensors forbids holes and aliasing. */
function checkTiling(entries: readonly HeaderEntry[], file: string, dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: HeaderEntry | null = null;
  for (const e of sorted) {
    if (e.begin < covered) {
      throw new SafetensorsError(
        `${file}: tensor "${e.name}" (bytes ${e.begin}–${e.end}) overlaps tensor "${previous?.name}" (bytes ${previous?.begin}–${previous?.end})`,
        { file, tensor: e.name },
      );
    }
    if (e.begin > covered) {
      throw new SafetensorsError(
        `${file}: tensor "${e.name}" starts at byte ${e.begin} of the data section, leaving ${e.begin - covered} bytes unused after ${previous === null ? "the header" : `tensor "${previous.name}"`}; offsets must be contiguous`,
        { file, tensor: e.name },
      );
    }
    covered = e.end;
    previous = e;
  }
  if (covered !== dataLength) {
    throw new SafetensorsError(
      `${file}: ${dataLength - covered} bytes follow the last tensor${previous === null ? "" : ` ("${previous.name}")`}; offsets must cover the data section exactly`,
      previous === null ? { file } : { file, tensor: previous.name },
    );
  }
}
