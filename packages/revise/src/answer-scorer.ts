import { InvalidFieldError, ReviseError } from "./errors.js";

/**
 * Scores one model answer in the verifiable-answers mode of `clair eval`: 1 (or `true`) right, 0 (or
 * `false`) wrong, or any score in [0, 1]; it may be async (run the answer's code, call a checker). A
 * scorer may carry `check(row)`, run on every row before the first request, that throws an
 * `InvalidFieldError` naming the field a row lacks.
 *
 * @example
 * ```ts
 * const exact: AnswerScorer = (answer, row) => answer.trim() === String(row.answer);
 * ```
 */
export type AnswerScorer = ((
  answer: string,
  row: Readonly<Record<string, unknown>>,
) => number | boolean | Promise<number | boolean>) & {
  readonly check?: (row: Readonly<Record<string, unknown>>) => void;
};

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, " ").toLowerCase();
}

/**
 * A scorer that extracts the answer with a regular expression and compares it with the row's expected
 * answer (`field`, a string or number): the last match in the answer wins (models state the final answer
 * last), its first capture group if it has one, else the whole match; both sides are compared trimmed,
 * with runs of whitespace collapsed, ignoring case. No match scores 0. `check` requires `field` on every row.
 *
 * ```text
 * score = 1 if normalise(last match of pattern in answer) = normalise(row[field]) else 0
 * ```
 *
 * @throws {ReviseError} (`INVALID_OPTION`) when `pattern` is not a valid regular expression.
 * @example
 * ```ts
 * const score = regexScorer("answer is (-?\\d+)");
 * await score("so the answer is 42.", { answer: 42 }); // 1
 * ```
 */
export function regexScorer(pattern: string | RegExp, field = "answer"): AnswerScorer {
  let regex: RegExp;
  try {
    const source = typeof pattern === "string" ? pattern : pattern.source;
    const flags = typeof pattern === "string" ? "" : pattern.flags;
    regex = new RegExp(source, flags.includes("g") ? flags : `${flags}g`);
  } catch (error) {
    throw new ReviseError(
      "INVALID_OPTION",
      `answer pattern ${JSON.stringify(String(pattern))} is not a regular expression: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const expected = (row: Readonly<Record<string, unknown>>): string => {
    const value = row[field];
    if (typeof value === "string") return value;
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
    throw new InvalidFieldError(
      field,
      `${value === undefined ? "absent" : `${JSON.stringify(value)} is not a string or number`}: scoring by regular expression needs every row's expected answer (--answer-field names another field)`,
    );
  };
  const score = (answer: string, row: Readonly<Record<string, unknown>>): number => {
    const want = normalise(expected(row));
    let last: RegExpExecArray | undefined;
    for (const match of answer.matchAll(regex)) last = match;
    if (last === undefined) return 0;
    return normalise(last[1] ?? last[0]) === want ? 1 : 0;
  };
  return Object.assign(score, { check: (row: Readonly<Record<string, unknown>>) => void expected(row) });
}
