/** What kind of failure a {@link ClairError} reports; stable across versions. */
export type ClairErrorCode = "invalid_line" | "invalid_pair" | "invalid_option" | "tokenizer_unavailable";

/**
 * Base class of every error that @clair/metrics throws on purpose. `code` is stable; the message says
 * what was wrong and what to do.
 *
 * @example
 * ```ts
 * try { await contrastivenessOfFile("pairs.jsonl"); }
 * catch (error) { if (error instanceof ClairError && error.code === "invalid_line") console.error(error.message); }
 * ```
 */
export class ClairError extends Error {
  readonly code: ClairErrorCode;
  constructor(code: ClairErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ClairError";
    this.code = code;
  }
}

/**
 * A pair that lacks a usable `chosen` or `rejected` answer: not a string, not a list of messages, or a
 * message list without an assistant turn.
 */
export class InvalidPairError extends ClairError {
  /** Which side was unusable, or `"pair"` when the record itself was. */
  readonly field: "chosen" | "rejected" | "pair";
  /** What was wrong, without the position. */
  readonly reason: string;
  /** 0-based position of the pair in its source, when known. */
  readonly index: number | undefined;
  constructor(field: "chosen" | "rejected" | "pair", reason: string, index?: number) {
    const where = index === undefined ? "" : `pair ${index} (0-based): `;
    super("invalid_pair", `${where}${field === "pair" ? "" : `\`${field}\`: `}${reason}`);
    this.name = "InvalidPairError";
    this.field = field;
    this.reason = reason;
    this.index = index;
  }
}

/** A line of a JSONL file that is not a usable preference pair. */
export class InvalidLineError extends ClairError {
  /** The file, as given. */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** Why the line was rejected. */
  readonly reason: string;
  constructor(file: string, line: number, reason: string) {
    super(
      "invalid_line",
      `${file}:${line}: ${reason}. Fix or remove the line, or pass --skip-invalid (skipInvalid: true) to count and skip such lines.`,
    );
    this.name = "InvalidLineError";
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}
