const MARKER = Symbol.for("@clair/metrics.error");

/** What kind of failure a {@link MetricsError} reports; stable across versions. */
export type MetricsErrorCode = "INVALID_LINE" | "INVALID_PAIR" | "INVALID_OPTION" | "TOKENIZER_UNAVAILABLE";

/**
 * Base class of every error that @clair/metrics throws on purpose. `code` is stable; the message says
 * what was wrong and what to do; a wrapped failure is kept as `cause`. Test for it with
 * {@link MetricsError.isInstance}, which also recognises errors of another copy of the package.
 *
 * @example
 * ```ts
 * try { await contrastivenessOfFile("pairs.jsonl"); }
 * catch (error) { if (MetricsError.isInstance(error) && error.code === "INVALID_LINE") console.error(error.message); }
 * ```
 */
export class MetricsError extends Error {
  readonly [MARKER] = true;
  readonly code: MetricsErrorCode;
  constructor(code: MetricsErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * Whether `value` is an error of @clair/metrics, by a `Symbol.for` marker rather than `instanceof`, so
   * that it holds when two copies of the package are installed.
   *
   * @example
   * ```ts
   * if (MetricsError.isInstance(error)) console.error(error.code);
   * ```
   */
  static isInstance(value: unknown): value is MetricsError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}

/**
 * A pair that lacks a usable `chosen` or `rejected` answer: not a string, not a list of messages, or a
 * message list without an assistant turn.
 *
 * @example
 * ```ts
 * new InvalidPairError("rejected", "missing", 3).message; // "pair 3 (0-based): `rejected`: missing"
 * ```
 */
export class InvalidPairError extends MetricsError {
  /** Which side was unusable, or `"pair"` when the record itself was. */
  readonly field: "chosen" | "rejected" | "pair";
  /** What was wrong, without the position. */
  readonly reason: string;
  /** 0-based position of the pair in its source, when known. */
  readonly index: number | undefined;
  constructor(field: "chosen" | "rejected" | "pair", reason: string, index?: number) {
    const where = index === undefined ? "" : `pair ${index} (0-based): `;
    super("INVALID_PAIR", `${where}${field === "pair" ? "" : `\`${field}\`: `}${reason}`);
    this.field = field;
    this.reason = reason;
    this.index = index;
  }
}

/**
 * A line of a JSONL file that is not a usable preference pair.
 *
 * @example
 * ```ts
 * new InvalidLineError("pairs.jsonl", 7, "not valid JSON").line; // 7
 * ```
 */
export class InvalidLineError extends MetricsError {
  /** The file, as given. */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** Why the line was rejected. */
  readonly reason: string;
  constructor(file: string, line: number, reason: string) {
    super(
      "INVALID_LINE",
      `${file}:${line}: ${reason}. Fix or remove the line, or pass --skip-invalid (skipInvalid: true) to count and skip such lines.`,
    );
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}
