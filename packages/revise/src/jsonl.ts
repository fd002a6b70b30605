import { isUtf8 } from "node:buffer";
import { open } from "node:fs/promises";
import type { z } from "zod";
import { InputEncodingError, InputSyntaxError, InvalidFieldError, LineTooLongError } from "./errors.js";

// The package's one JSONL reader: lines split from bytes read on demand (never a whole file as one
// string), the rule for blank lines, and JSONL records parsed, validated and counted. The journal and
// the Batch API files read their lines here too.

/**
 * Bytes read on demand, at the reader's pace (a `FileHandle` is one).
 *
 * @example
 * ```ts
 * const source: ByteSource = await open("in.jsonl");
 * ```
 */
export interface ByteSource {
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<{ bytesRead: number }>;
}

/**
 * Bytes already in memory as a {@link ByteSource}, read from the start.
 *
 * @example
 * ```ts
 * for await (const text of readLinesFrom(bytesSource(new TextEncoder().encode("a\nb")))) console.log(text);
 * ```
 */
export function bytesSource(bytes: Uint8Array): ByteSource {
  let at = 0;
  return {
    async read(buffer, offset, length) {
      const n = Math.min(length, bytes.length - at);
      buffer.set(bytes.subarray(at, at + n), offset);
      at += n;
      return { bytesRead: n };
    },
  };
}

const LF = 10;
const CR = 13;

/** The default read size: the most a reader holds ahead of the line it has handed out. */
export const LINE_CHUNK_BYTES = 64 * 1024;

/** The default cap on one line: 64 MiB, far above any real row, far below what breaks a process. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 2 ** 20;

/**
 * How {@link readLinesFrom} reads: its chunk size, its cap on one line, and the name its errors give the
 * source.
 *
 * @example
 * ```ts
 * const options: LineOptions = { name: "in.jsonl", maxLineBytes: 2 ** 20 };
 * ```
 */
export interface LineOptions {
  /** Bytes read at a time; default {@link LINE_CHUNK_BYTES}. */
  readonly chunkBytes?: number | undefined;
  /** The longest line accepted, in bytes (the line end not counted); default {@link DEFAULT_MAX_LINE_BYTES}. */
  readonly maxLineBytes?: number | undefined;
  /** The source's name in errors (a file path); default `(input)`. */
  readonly name?: string | undefined;
}

/**
 * The 0-based offset of the first byte of `bytes` that starts no valid UTF-8 sequence (overlong forms,
 * surrogates and code points past U+10FFFF are invalid, as for `TextDecoder` with `fatal`), or -1.
 */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i] as number;
    if (c < 0x80) {
      i += 1;
      continue;
    }
    const more = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (more === 0) return i;
    const low = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const high = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= more; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += more + 1;
  }
  return -1;
}

/**
 * Splits the bytes of `source` into lines, reading the next chunk only when the caller asks for a line
 * the chunk in hand does not hold: nothing is read ahead beyond one chunk, however slowly lines are taken.
 * Line ends are those of `node:readline` (`\n`, `\r\n`, a lone `\r`), so line numbers match it; a last
 * line without an end is returned too. Each line is decoded (UTF-8) on its own, into a string that holds
 * no reference to the chunk. A UTF-8 byte order mark at the start is dropped; bytes that are not UTF-8
 * are an error, never replaced by U+FFFD; a line longer than `maxLineBytes` is an error as soon as that
 * many bytes of it are read, so memory stays bounded whatever the file holds.
 *
 * @throws {InputEncodingError} naming the line and byte that is not UTF-8.
 * @throws {LineTooLongError} naming the line longer than the cap.
 * @example
 * ```ts
 * for await (const text of readLinesFrom(handle, { name: "in.jsonl" })) console.log(text);
 * ```
 */
export async function* readLinesFrom(source: ByteSource, options: LineOptions = {}): AsyncGenerator<string> {
  const chunkBytes = options.chunkBytes ?? LINE_CHUNK_BYTES;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const name = options.name ?? "(input)";
  const chunk = Buffer.allocUnsafe(chunkBytes);
  /** Bytes of a line begun in an earlier chunk (copied, since the chunk is reused). */
  let carry: Buffer[] = [];
  let carried = 0;
  /** A `\r` ended the last line: a `\n` right after it belongs to the same line end. */
  let afterCR = false;
  let line = 0;
  const decode = (bytes: Buffer): string => {
    line += 1;
    const text =
      line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
    if (text.length > maxLineBytes) throw new LineTooLongError(name, line, maxLineBytes);
    if (!isUtf8(text)) throw new InputEncodingError(name, line, firstInvalidByte(text) + 1);
    return text.toString("utf8");
  };
  for (;;) {
    const { bytesRead } = await source.read(chunk, 0, chunkBytes, null);
    if (bytesRead === 0) break;
    const view = chunk.subarray(0, bytesRead);
    let start = afterCR && view[0] === LF ? 1 : 0;
    afterCR = false;
    let nextLF = view.indexOf(LF, start);
    let nextCR = view.indexOf(CR, start);
    while (nextLF !== -1 || nextCR !== -1) {
      const atCR = nextCR !== -1 && (nextLF === -1 || nextCR < nextLF);
      const end = atCR ? nextCR : nextLF;
      let next = end + 1;
      if (atCR) {
        if (next === bytesRead) afterCR = true;
        else if (view[next] === LF) next += 1;
      }
      if (carry.length === 0) {
        yield decode(view.subarray(start, end));
      } else {
        carry.push(view.subarray(start, end));
        carried += end - start;
        // The byte order mark may add 3 bytes to the first line.
        if (carried > maxLineBytes + 3) throw new LineTooLongError(name, line + 1, maxLineBytes);
        const text = decode(Buffer.concat(carry));
        carry = [];
        carried = 0;
        yield text;
      }
      start = next;
      if (nextLF !== -1 && nextLF < start) nextLF = view.indexOf(LF, start);
      if (nextCR !== -1 && nextCR < start) nextCR = view.indexOf(CR, start);
    }
    if (start < bytesRead) {
      carried += bytesRead - start;
      if (carried > maxLineBytes + 3) throw new LineTooLongError(name, line + 1, maxLineBytes);
      carry.push(Buffer.from(view.subarray(start)));
    }
  }
  if (carry.length > 0) yield decode(Buffer.concat(carry));
}

/**
 * Streams the lines of a file (see {@link readLinesFrom}; errors name the file), closing it when the
 * caller stops.
 *
 * @example
 * ```ts
 * for await (const text of readLines("in.jsonl")) if (text !== "") count += 1;
 * ```
 */
export async function* readLines(
  file: string,
  options: Omit<LineOptions, "name"> = {},
): AsyncGenerator<string> {
  const handle = await open(file, "r");
  try {
    yield* readLinesFrom(handle, { ...options, name: file });
  } finally {
    await handle.close();
  }
}

/**
 * Whether a line is blank: nothing left after `trim()` (vertical tab, form feed, no-break and other
 * Unicode spaces included). Blank lines are skipped, never rows.
 *
 * @example
 * ```ts
 * isBlank(" \u00a0"); // true
 * ```
 */
export function isBlank(text: string): boolean {
  return text.trim() === "";
}

/**
 * One parsed JSONL line with its 1-based line number.
 *
 * @example
 * ```ts
 * const line: JsonlLine = { line: 3, value: { prompt: "hi" } };
 * ```
 */
export interface JsonlLine {
  readonly line: number;
  readonly value: Record<string, unknown>;
}

/**
 * Streams a JSONL file one object at a time (never loading it whole, reading at most one chunk ahead of
 * the caller: see {@link readLines}), skipping blank lines.
 *
 * @throws {InputSyntaxError} naming the line when a line is not a JSON object.
 * @throws {InputEncodingError | LineTooLongError} naming the line that is not UTF-8 or too long.
 * @example
 * ```ts
 * for await (const { line, value } of readJsonl("prompts.jsonl")) console.log(line, value);
 * ```
 */
export async function* readJsonl(
  file: string,
  options: { readonly maxLineBytes?: number | undefined } = {},
): AsyncGenerator<JsonlLine> {
  let line = 0;
  for await (const text of readLines(file, options)) {
    line += 1;
    if (isBlank(text)) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InputSyntaxError(file, line, error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new InputSyntaxError(
        file,
        line,
        `expected an object, got ${Array.isArray(value) ? "an array" : typeof value}`,
      );
    }
    yield { line, value: value as Record<string, unknown> };
  }
}

/**
 * Validates a record with a zod schema and turns the first problem into an error naming the field.
 *
 * @throws {InvalidFieldError} with the dotted field path, the file and the line.
 * @example
 * ```ts
 * const row = validateRecord(InputRowSchema, { prompt: "hi" }, { file: "in.jsonl", line: 1 });
 * ```
 */
export function validateRecord<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: { file?: string; line?: number } = {},
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field =
    issue === undefined || issue.path.length === 0 ? "(record)" : issue.path.map(String).join(".");
  throw new InvalidFieldError(field, issue?.message ?? "invalid", where);
}
