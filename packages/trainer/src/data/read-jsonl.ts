import { createReadStream } from "node:fs";
import { TrainDataError } from "./train-data-error.js";

/** One non-blank line of a JSONL file, parsed, with its 1-based line number. */
export interface JsonlRow {
  readonly line: number;
  readonly value: unknown;
}

function parseLine(raw: string, line: number, file: string | undefined): JsonlRow | null {
  if (raw.trim() === "") return null;
  try {
    return { line, value: JSON.parse(raw) };
  } catch (cause) {
    throw new TrainDataError(file, line, "not valid JSON", { cause });
  }
}

/**
 * Stream the rows of a JSONL file, one parsed JSON value per non-blank line with its 1-based line number
 * (lines split at `\n`; a `\r` before it is whitespace to JSON), reading the file in chunks rather than
 * whole.
 *
 * @throws TrainDataError naming the file and line of a line that is not JSON, or the file (line 0) when it
 *   cannot be read
 * @example
 * ```ts
 * for await (const { line, value } of readJsonl("pairs.jsonl")) console.log(line, value);
 * ```
 */
export async function* readJsonl(file: string): AsyncGenerator<JsonlRow> {
  let line = 0;
  let rest = "";
  const stream = createReadStream(file, { encoding: "utf8" });
  const chunks = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      let chunk: IteratorResult<string>;
      try {
        chunk = await chunks.next();
      } catch (cause) {
        throw new TrainDataError(file, 0, `cannot read the file (${String(cause)})`, { cause });
      }
      if (chunk.done === true) break;
      const lines = (rest + chunk.value).split("\n");
      rest = lines.pop() ?? "";
      for (const raw of lines) {
        const row = parseLine(raw, ++line, file);
        if (row !== null) yield row;
      }
    }
  } finally {
    // A consumer that stops early (an error in its loop body, a `break`) closes the file.
    stream.destroy();
  }
  const last = parseLine(rest, ++line, file);
  if (last !== null) yield last;
}

/**
 * Parse JSONL text already in memory the way {@link readJsonl} reads a file: one row per non-blank line,
 * with its 1-based line number. `file`, when given, is named in errors.
 *
 * @throws TrainDataError with the line number (and `file`) of a line that is not JSON
 * @example
 * ```ts
 * parseJsonl('{"a":1}\n\n{"a":2}\n'); // [{ line: 1, value: { a: 1 } }, { line: 3, value: { a: 2 } }]
 * ```
 */
export function parseJsonl(text: string, file?: string): JsonlRow[] {
  const rows: JsonlRow[] = [];
  text.split("\n").forEach((raw, i) => {
    const row = parseLine(raw, i + 1, file);
    if (row !== null) rows.push(row);
  });
  return rows;
}
