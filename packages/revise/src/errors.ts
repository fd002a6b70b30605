const MARKER = Symbol.for("@clair/revise.error");

/**
 * What kind of failure a {@link ReviseError} reports; stable across versions (failure records in
 * `<output>.failures.jsonl` carry it as `code`).
 */
export type ReviseErrorCode =
  | "INPUT_SYNTAX"
  | "INVALID_FIELD"
  | "INVALID_OPTION"
  | "ENDPOINT_UNAVAILABLE"
  | "ENDPOINT_REFUSED"
  | "MALFORMED_RESPONSE"
  | "MISSING_API_KEY"
  | "JOURNAL_CORRUPT"
  | "TEMPLATE_PLACEHOLDER"
  | "BATCH_UNSUPPORTED";

/**
 * The base class of every error thrown by `@clair/revise`, with a stable `code` string to branch on; a
 * wrapped failure is kept as `cause`. Test for it with {@link ReviseError.isInstance}, which also
 * recognises errors of another copy of the package.
 *
 * @example
 * ```ts
 * try { await revise(options); } catch (error) {
 *   if (ReviseError.isInstance(error) && error.code === "INPUT_SYNTAX") console.error(error.message);
 * }
 * ```
 */
export class ReviseError extends Error {
  readonly [MARKER] = true;
  /** A stable machine-readable identifier of the failure kind. */
  readonly code: ReviseErrorCode;

  constructor(code: ReviseErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * Whether `value` is an error of @clair/revise, by a `Symbol.for` marker rather than `instanceof`, so
   * that it holds when two copies of the package are installed.
   *
   * @example
   * ```ts
   * if (ReviseError.isInstance(error)) console.error(error.code);
   * ```
   */
  static isInstance(value: unknown): value is ReviseError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}

/**
 * A JSONL line that is not valid JSON, or not a JSON object.
 *
 * @example
 * ```ts
 * new InputSyntaxError("prompts.jsonl", 12, "Unexpected token } in JSON");
 * ```
 */
export class InputSyntaxError extends ReviseError {
  /** The file that holds the line. */
  readonly file: string;
  /** The 1-based line number. */
  readonly line: number;

  constructor(file: string, line: number, detail: string, options?: ErrorOptions) {
    super(
      "INPUT_SYNTAX",
      `${file}:${line}: not a valid JSON object (${detail}); fix or remove the line`,
      options,
    );
    this.file = file;
    this.line = line;
  }
}

/**
 * A JSONL record (or an options object) with a missing or mistyped field, named by its dotted path.
 *
 * @example
 * ```ts
 * new InvalidFieldError("prompt", "expected string, received undefined", { file: "in.jsonl", line: 3 });
 * ```
 */
export class InvalidFieldError extends ReviseError {
  /** The dotted path of the offending field, such as `prompt` or `completions.0.response`. */
  readonly field: string;
  /** The file, when the record came from one. */
  readonly file: string | undefined;
  /** The 1-based line, when the record came from a file. */
  readonly line: number | undefined;
  /** What is wrong with the field. */
  readonly detail: string;

  constructor(field: string, detail: string, where: { file?: string; line?: number } = {}) {
    const at =
      where.file !== undefined
        ? `${where.file}:${where.line ?? "?"}: `
        : where.line !== undefined
          ? `line ${where.line}: `
          : "";
    super("INVALID_FIELD", `${at}field "${field}": ${detail}`);
    this.field = field;
    this.detail = detail;
    this.file = where.file;
    this.line = where.line;
  }
}

/**
 * A request that failed for good: retries were exhausted, or the endpoint refused it (4xx). The message
 * never holds an API key.
 *
 * @example
 * ```ts
 * new EndpointError("gpt-4o", 400, "context length exceeded", false);
 * ```
 */
export class EndpointError extends ReviseError {
  /** The model the request was for. */
  readonly model: string;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** Whether another run may succeed (network, 5xx, 429 after retries) or not (most 4xx). */
  readonly retryable: boolean;
  /** How many attempts were made. */
  readonly attempts: number;

  constructor(
    model: string,
    status: number | undefined,
    detail: string,
    retryable: boolean,
    attempts = 1,
    options?: ErrorOptions,
  ) {
    const what = status === undefined ? "request failed" : `HTTP ${status}`;
    super(
      retryable ? "ENDPOINT_UNAVAILABLE" : "ENDPOINT_REFUSED",
      `${model}: ${what} after ${attempts} attempt(s): ${detail}`,
      options,
    );
    this.model = model;
    this.status = status;
    this.retryable = retryable;
    this.attempts = attempts;
  }
}

/**
 * A response the server sent that holds no usable completion (no choices, empty content, malformed body).
 *
 * @example
 * ```ts
 * new MalformedResponseError("llama-3-8b", "no choices in the response");
 * ```
 */
export class MalformedResponseError extends ReviseError {
  /** The model that answered. */
  readonly model: string;

  constructor(model: string, detail: string) {
    super("MALFORMED_RESPONSE", `${model}: unusable response: ${detail}`);
    this.model = model;
  }
}

/**
 * The API key variable named by the options is not set.
 *
 * @example
 * ```ts
 * new MissingApiKeyError("OPENAI_API_KEY");
 * ```
 */
export class MissingApiKeyError extends ReviseError {
  /** The environment variable that was read. */
  readonly variable: string;

  constructor(variable: string) {
    super("MISSING_API_KEY", `environment variable ${variable} is not set; export it or pass --api-key-env`);
    this.variable = variable;
  }
}

/**
 * A journal file (output, rejects) that cannot be resumed from, such as a corrupt line in the middle.
 *
 * @example
 * ```ts
 * new JournalError("out.jsonl", 7, "not valid JSON");
 * ```
 */
export class JournalError extends ReviseError {
  /** The journal file. */
  readonly file: string;
  /** The 1-based line, when one is to blame. */
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, detail: string) {
    super("JOURNAL_CORRUPT", `${file}${line === undefined ? "" : `:${line}`}: cannot resume: ${detail}`);
    this.file = file;
    this.line = line;
  }
}
