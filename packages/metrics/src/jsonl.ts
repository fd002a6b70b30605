import { isUtf8 } from "node:buffer";
import { open } from "node:fs/promises";
import { InvalidPairError } from "./errors.js";
import { pairTexts } from "./pair.js";

/** Consecutive lines of a file, numbered from `firstLine` (1-based). */
export interface LineBatch {
  firstLine: number;
  /** The lines' text; a line that could not be read (see `unreadable`) is empty here. */
  lines: string[];
  /** Lines of the batch that are not UTF-8 or are longer than the cap, with the reason. */
  unreadable: { line: number; reason: string }[];
  /** Bytes of the file read so far, including this batch. */
  bytesRead: number;
}

/** The default cap on one line: 64 MiB, far above any real pair, far below what breaks a process. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 2 ** 20;

/** How {@link readLineBatches} reads. */
export interface LineBatchOptions {
  /** Characters per batch (a longer line makes its own batch); default 256 Ki. */
  batchChars?: number;
  /** Lines per batch; default 256. */
  batchLines?: number;
  /** The longest line read, in bytes; a longer one is skipped unread and reported. Default 64 MiB. */
  maxLineBytes?: number;
  /** Bytes read at a time; default 1 MiB. */
  chunkBytes?: number;
}

const LF = 10;
const CR = 13;

/**
 * Reads a text file as batches of lines of about `batchChars` characters each, holding at most one chunk
 * and one line (up to the cap) at a time, whatever the file's size. Lines end with `\n` or `\r\n`; line
 * numbers count every line, blank ones included; a UTF-8 byte order mark at the start is dropped. A line
 * that is not UTF-8 (never silently read as U+FFFD) or longer than `maxLineBytes` (its bytes are skipped,
 * not held) is listed in the batch's `unreadable`, with its number.
 */
export async function* readLineBatches(
  path: string,
  options: LineBatchOptions = {},
): AsyncGenerator<LineBatch> {
  const batchChars = options.batchChars ?? 1 << 18;
  const batchLines = options.batchLines ?? 256;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const chunk = Buffer.allocUnsafe(options.chunkBytes ?? 1 << 20);
  const handle = await open(path, "r");
  try {
    let carry: Buffer[] = [];
    let carried = 0;
    /** The current line passed the cap: its bytes are skipped up to its end. */
    let skipping = false;
    let lineNumber = 1;
    let bytesRead = 0;
    let lines: string[] = [];
    let unreadable: { line: number; reason: string }[] = [];
    let chars = 0;
    let firstLine = 1;
    const tooLong = `the line is longer than ${mebibytes(maxLineBytes)}, the most a line may hold (--max-line-mib)`;
    const add = (text: string, problem?: string): void => {
      if (lines.length === 0) firstLine = lineNumber;
      lines.push(text);
      if (problem !== undefined) unreadable.push({ line: lineNumber, reason: problem });
      chars += text.length;
      lineNumber++;
    };
    const decode = (bytes: Buffer): void => {
      let view = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes;
      if (lineNumber === 1 && view[0] === 0xef && view[1] === 0xbb && view[2] === 0xbf)
        view = view.subarray(3);
      if (view.length > maxLineBytes) add("", tooLong);
      else if (!isUtf8(view)) add("", "not valid UTF-8; save the file as UTF-8");
      else add(view.toString("utf8"));
    };
    const full = (): boolean => chars >= batchChars || lines.length >= batchLines;
    for (;;) {
      const { bytesRead: n } = await handle.read(chunk, 0, chunk.length, null);
      if (n === 0) break;
      bytesRead += n;
      const view = chunk.subarray(0, n);
      let start = 0;
      for (;;) {
        const end = view.indexOf(LF, start);
        if (end < 0) break;
        if (skipping) {
          skipping = false;
          add("", tooLong);
        } else if (carry.length === 0) {
          decode(view.subarray(start, end));
        } else {
          carry.push(view.subarray(start, end));
          decode(Buffer.concat(carry));
          carry = [];
          carried = 0;
        }
        start = end + 1;
        if (full()) {
          yield { firstLine, lines, unreadable, bytesRead };
          lines = [];
          unreadable = [];
          chars = 0;
        }
      }
      if (start < n && !skipping) {
        carried += n - start;
        // The byte order mark and a CR may add 4 bytes to a line.
        if (carried > maxLineBytes + 4) {
          skipping = true;
          carry = [];
          carried = 0;
        } else {
          carry.push(Buffer.from(view.subarray(start)));
        }
      }
    }
    if (skipping) add("", tooLong);
    else if (carry.length > 0) decode(Buffer.concat(carry));
    if (lines.length > 0) yield { firstLine, lines, unreadable, bytesRead };
  } finally {
    await handle.close();
  }
}

function mebibytes(bytes: number): string {
  return bytes >= 2 ** 20 ? `${+(bytes / 2 ** 20).toFixed(2)} MiB` : `${bytes} bytes`;
}

/** Whether a line holds nothing but whitespace (such lines are skipped, not errors). */
export function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

/**
 * The two texts of the preference pair on one JSONL line, or the reason the line is not one.
 */
export function parsePairLine(line: string): [string, string] | string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  try {
    return pairTexts(record);
  } catch (error) {
    if (error instanceof InvalidPairError) return error.message;
    throw error;
  }
}
