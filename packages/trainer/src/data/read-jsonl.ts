import { createReadStream } from "node:fs";
import { TrainDataError } from "./train-data-error.js";

/** One non-blank line of a JSONL file, parsed, with its 1-based line number. */
export interface JsonlRow {
  readonly line: number;
  readonly value: unknown;
}

/** The longest line {@link readJsonl} reads by default: 64 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 2 ** 20;

/** Options of {@link readJsonl}. */
export interface ReadJsonlOptions {
  /**
   * Longest line in bytes (default {@link DEFAULT_MAX_LINE_BYTES}); a longer one is an error naming its
   * file and line, found before more than this many bytes of it are held in memory.
   */
  readonly maxLineBytes?: number;
  /** What the error for a longer line says to do (default: how to raise `maxLineBytes`). */
  readonly overLimitHint?: string;
}

function parseLine(raw: string, line: number, file: string | undefined): JsonlRow | null {
  if (raw.trim() === "") return null;
  try {
    return { line, value: JSON.parse(raw) };
  } catch (cause) {
    throw new TrainDataError(file, line, "not valid JSON", { cause });
  }
}

/** Byte offset of the first byte that is not valid UTF-8 (for the error message; -1 when all are valid). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    // Lead byte: how many continuation bytes follow, the smallest code point of that length, its bits.
    const [need, min, bits] =
      b >= 0xc2 && b <= 0xdf
        ? [1, 0x80, b & 0x1f]
        : b >= 0xe0 && b <= 0xef
          ? [2, 0x800, b & 0x0f]
          : b >= 0xf0 && b <= 0xf4
            ? [3, 0x10000, b & 0x07]
            : [0, 0, 0];
    if (need === 0) return i;
    let cp = bits;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

// `fatal`: invalid UTF-8 is an error, never a silent U+FFFD. The first line's decoder drops a leading BOM
// (files saved by Windows tools start with one); on later lines a BOM is not whitespace, so JSON rejects it.
const firstLineDecoder = new TextDecoder("utf-8", { fatal: true });
const lineDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeLine(bytes: Uint8Array, line: number, file: string | undefined): string {
  try {
    return (line === 1 ? firstLineDecoder : lineDecoder).decode(bytes);
  } catch (cause) {
    const at = firstInvalidUtf8(bytes);
    throw new TrainDataError(
      file,
      line,
      `not valid UTF-8${at < 0 ? "" : ` (byte ${at + 1} of the line)`}: save the file as UTF-8`,
      { cause },
    );
  }
}

/**
 * Stream the rows of a JSONL file, one parsed JSON value per non-blank line with its 1-based line number
 * (lines split at `\n`; a `\r` before it is whitespace to JSON). The file is read in chunks and split into
 * lines as bytes, so memory stays bounded by the longest line, whatever the file's size. A UTF-8 byte-order
 * mark at the start is skipped; bytes that are not UTF-8 are an error (never replaced by U+FFFD); a line
 * longer than `maxLineBytes` is an error found before it is held whole.
 *
 * @throws TrainDataError naming the file and line of a line that is not UTF-8, not JSON or too long, or the
 *   file (line 0) when it cannot be read
 * @example
 * ```ts
 * for await (const { line, value } of readJsonl("pairs.jsonl")) console.log(line, value);
 * ```
 */
export async function* readJsonl(file: string, options: ReadJsonlOptions = {}): AsyncGenerator<JsonlRow> {
  const limit = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let line = 0;
  // The bytes of the line being read, across chunks.
  let parts: Buffer[] = [];
  let size = 0;
  const tooLong = (): TrainDataError =>
    new TrainDataError(
      file,
      line + 1,
      `line longer than ${limit} bytes: ${options.overLimitHint ?? "split or shorten it, or raise the limit (maxLineBytes, --max-line-bytes)"}`,
    );
  const take = (bytes: Buffer): void => {
    size += bytes.length;
    if (size > limit) throw tooLong();
    if (bytes.length > 0) parts.push(bytes);
  };
  const finish = (): JsonlRow | null => {
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
    parts = [];
    size = 0;
    line += 1;
    return parseLine(decodeLine(bytes, line, file), line, file);
  };
  const stream = createReadStream(file);
  const chunks = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      let chunk: IteratorResult<Buffer>;
      try {
        chunk = await chunks.next();
      } catch (cause) {
        throw new TrainDataError(file, 0, `cannot read the file (${String(cause)})`, { cause });
      }
      if (chunk.done === true) break;
      const bytes = chunk.value;
      let start = 0;
      for (let end = bytes.indexOf(10, start); end !== -1; end = bytes.indexOf(10, start)) {
        take(bytes.subarray(start, end));
        start = end + 1;
        const row = finish();
        if (row !== null) yield row;
      }
      take(bytes.subarray(start));
    }
  } finally {
    // A consumer that stops early (an error in its loop body, a `break`) closes the file.
    stream.destroy();
  }
  const last = finish();
  if (last !== null) yield last;
}

/**
 * Parse JSONL text already in memory the way {@link readJsonl} reads a file: one row per non-blank line,
 * with its 1-based line number, a leading byte-order mark skipped. `file`, when given, is named in errors.
 *
 * @throws TrainDataError with the line number (and `file`) of a line that is not JSON
 * @example
 * ```ts
 * parseJsonl('{"a":1}\n\n{"a":2}\n'); // [{ line: 1, value: { a: 1 } }, { line: 3, value: { a: 2 } }]
 * ```
 */
export function parseJsonl(text: string, file?: string): JsonlRow[] {
  const rows: JsonlRow[] = [];
  (text.startsWith("\uFEFF") ? text.slice(1) : text).split("\n").forEach((raw, i) => {
    const row = parseLine(raw, i + 1, file);
    if (row !== null) rows.push(row);
  });
  return rows;
}
