import type { z } from "zod";
import { InputSyntaxError, InvalidFieldError } from "./errors.js";
import { readLines } from "./read-lines.js";

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
    if (text.trim() === "") continue;
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

/**
 * Counts the rows {@link readJsonl} yields, by streaming the file: its lines (the same line ends, lone `\r`
 * included) that are not blank after `trim()`. For progress and ETA; nothing is parsed.
 *
 * @example
 * ```ts
 * const total = await countJsonlRows("prompts.jsonl");
 * ```
 */
export async function countJsonlRows(file: string): Promise<number> {
  let count = 0;
  for await (const text of readLines(file)) if (text.trim() !== "") count += 1;
  return count;
}
