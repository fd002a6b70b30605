import { open } from "node:fs/promises";
import type { z } from "zod";
import { InputSyntaxError, InvalidFieldError } from "./errors.js";

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

/**
 * Splits the bytes of `source` into lines, reading the next chunk only when the caller asks for a line
 * the chunk in hand does not hold: nothing is read ahead beyond one chunk, however slowly lines are taken.
 * Line ends are those of `node:readline` (`\n`, `\r\n`, a lone `\r`), so line numbers match it; a last
 * line without an end is returned too. Each line is decoded (UTF-8) on its own, into a string that holds
 * no reference to the chunk.
 *
 * @example
 * ```ts
 * for await (const text of readLinesFrom(handle)) console.log(text);
 * ```
 */
export async function* readLinesFrom(
  source: ByteSource,
  chunkBytes: number = LINE_CHUNK_BYTES,
): AsyncGenerator<string> {
  const chunk = Buffer.allocUnsafe(chunkBytes);
  /** Bytes of a line begun in an earlier chunk (copied, since the chunk is reused). */
  let carry: Buffer[] = [];
  /** A `\r` ended the last line: a `\n` right after it belongs to the same line end. */
  let afterCR = false;
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
        yield view.toString("utf8", start, end);
      } else {
        carry.push(view.subarray(start, end));
        const text = Buffer.concat(carry).toString("utf8");
        carry = [];
        yield text;
      }
      start = next;
      if (nextLF !== -1 && nextLF < start) nextLF = view.indexOf(LF, start);
      if (nextCR !== -1 && nextCR < start) nextCR = view.indexOf(CR, start);
    }
    if (start < bytesRead) carry.push(Buffer.from(view.subarray(start)));
  }
  if (carry.length > 0) yield Buffer.concat(carry).toString("utf8");
}

/**
 * Streams the lines of a file (see {@link readLinesFrom}), closing it when the caller stops.
 *
 * @example
 * ```ts
 * for await (const text of readLines("in.jsonl")) if (text !== "") count += 1;
 * ```
 */
export async function* readLines(
  file: string,
  chunkBytes: number = LINE_CHUNK_BYTES,
): AsyncGenerator<string> {
  const handle = await open(file, "r");
  try {
    yield* readLinesFrom(handle, chunkBytes);
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
 * @example
 * ```ts
 * for await (const { line, value } of readJsonl("prompts.jsonl")) console.log(line, value);
 * ```
 */
export async function* readJsonl(file: string): AsyncGenerator<JsonlLine> {
  let line = 0;
  for await (const text of readLines(file)) {
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
