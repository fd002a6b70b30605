import { createReadStream } from "node:fs";
import { InvalidPairError } from "./errors.js";
import { pairTexts } from "./pair.js";

/** Consecutive lines of a file, numbered from `firstLine` (1-based). */
export interface LineBatch {
  firstLine: number;
  lines: string[];
  /** Bytes of the file read so far, including this batch. */
  bytesRead: number;
}

/**
 * Reads a text file as batches of lines of about `batchChars` characters each (a single longer line makes
 * its own batch). Lines end with `\n` or `\r\n`; line numbers count every line, blank ones included.
 */
export async function* readLineBatches(
  path: string,
  batchChars = 1 << 18,
  batchLines = 256,
): AsyncGenerator<LineBatch> {
  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 });
  let carry = "";
  let lineNumber = 1;
  let bytesRead = 0;
  let lines: string[] = [];
  let chars = 0;
  let firstLine = 1;
  for await (const chunk of stream as AsyncIterable<string>) {
    bytesRead = stream.bytesRead;
    const text = carry.length > 0 ? carry + chunk : chunk;
    let start = 0;
    for (;;) {
      const end = text.indexOf("\n", start);
      if (end < 0) break;
      const line =
        text.charCodeAt(end - 1) === 13 && end > start ? text.slice(start, end - 1) : text.slice(start, end);
      if (lines.length === 0) firstLine = lineNumber;
      lines.push(line);
      chars += line.length;
      lineNumber++;
      start = end + 1;
      if (chars >= batchChars || lines.length >= batchLines) {
        yield { firstLine, lines, bytesRead };
        lines = [];
        chars = 0;
      }
    }
    carry = text.slice(start);
  }
  if (carry.length > 0) {
    if (lines.length === 0) firstLine = lineNumber;
    lines.push(carry.endsWith("\r") ? carry.slice(0, -1) : carry);
  }
  if (lines.length > 0) yield { firstLine, lines, bytesRead };
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
