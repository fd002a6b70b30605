import { ApoError } from "../errors.js";

/**
 * A training or evaluation file cannot be used: a line is not JSON or not a preference pair, or the file
 * cannot be read. `file` and `line` (1-based; 0 when the whole file is at fault) locate it.
 *
 * @example
 * ```ts
 * throw new TrainDataError("pairs.jsonl", 3, "not valid JSON");
 * // message: "pairs.jsonl:3: not valid JSON"
 * ```
 */
export class TrainDataError extends ApoError {
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, message: string, options?: { cause?: unknown }) {
    super("BAD_TRAIN_DATA", `${line > 0 ? `${file}:${line}` : file}: ${message}`, options);
    this.file = file;
    this.line = line;
  }
}
