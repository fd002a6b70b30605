import { ApoError } from "../errors.js";

/**
 * A training, evaluation or log file cannot be used: a line is not JSON or not a usable row (a missing or
 * mistyped field, a text row for a model without a tokenizer), or the file cannot be read. `file` and
 * `line` (1-based; 0 when the whole file is at fault) locate it, `field` names the field when one is at
 * fault. `file` is undefined for JSONL text that came from no file.
 *
 * @example
 * ```ts
 * throw new TrainDataError("pairs.jsonl", 3, "not valid JSON");
 * // message: "pairs.jsonl:3: not valid JSON"
 * throw new TrainDataError(undefined, 4, "rejected_ids must be an array of integer token ids", { field: "rejected_ids" });
 * // message: "line 4: rejected_ids must be an array of integer token ids"
 * ```
 */
export class TrainDataError extends ApoError {
  readonly file: string | undefined;
  readonly line: number;
  readonly field: string | undefined;

  constructor(
    file: string | undefined,
    line: number,
    message: string,
    options: { field?: string; cause?: unknown } = {},
  ) {
    super("BAD_TRAIN_DATA", `${where(file, line)}${message}`, options);
    this.file = file;
    this.line = line;
    this.field = options.field;
  }
}

function where(file: string | undefined, line: number): string {
  if (file === undefined) return line > 0 ? `line ${line}: ` : "";
  return line > 0 ? `${file}:${line}: ` : `${file}: `;
}

/** Where a row of JSONL data is: its file (undefined for text from no file) and its 1-based line. */
export interface RowLocation {
  readonly file?: string | undefined;
  readonly line: number;
}
