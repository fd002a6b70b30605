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
  | "BATCH_UNSUPPORTED"
  | "INPUT_ENCODING"
  | "LINE_TOO_LONG"
  | "OUTPUT_LOCKED"
  | "RESPONSE_TOO_LARGE"
  | "ENDPOINT_MISCONFIGURED"
  | "INTERRUPTED";

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
    options?: ErrorOptions & { code?: "ENDPOINT_MISCONFIGURED"; message?: string },
  ) {
    const what = status === undefined ? "request failed" : `HTTP ${status}`;
    super(
      options?.code ?? (retryable ? "ENDPOINT_UNAVAILABLE" : "ENDPOINT_REFUSED"),
      options?.message ?? `${model}: ${what} after ${attempts} attempt(s): ${detail}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
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

/**
 * A line of an input file that is not valid UTF-8. The reader never replaces bad bytes with U+FFFD: a
 * row would be sent (and paid for) with text its author never wrote.
 *
 * @example
 * ```ts
 * new InputEncodingError("in.jsonl", 4, 17).message; // "in.jsonl:4: not valid UTF-8 (byte 17 of the line); …"
 * ```
 */
export class InputEncodingError extends ReviseError {
  /** The file that holds the line. */
  readonly file: string;
  /** The 1-based line number. */
  readonly line: number;
  /** The 1-based byte of the line where the bad sequence starts. */
  readonly byte: number;

  constructor(file: string, line: number, byte: number) {
    super(
      "INPUT_ENCODING",
      `${file}:${line}: not valid UTF-8 (byte ${byte} of the line); save the file as UTF-8 (for example \`iconv -f latin1 -t utf-8\`)`,
    );
    this.file = file;
    this.line = line;
    this.byte = byte;
  }
}

/**
 * A line longer than the reader's cap (`maxLineBytes`, `--max-line-mib`): the reader stops before holding
 * it in memory.
 *
 * @example
 * ```ts
 * new LineTooLongError("in.jsonl", 9, 64 * 2 ** 20).limitBytes; // 67108864
 * ```
 */
export class LineTooLongError extends ReviseError {
  /** The file that holds the line. */
  readonly file: string;
  /** The 1-based line number. */
  readonly line: number;
  /** The cap, in bytes. */
  readonly limitBytes: number;

  constructor(file: string, line: number, limitBytes: number) {
    super(
      "LINE_TOO_LONG",
      `${file}:${line}: the line is longer than ${formatBytes(limitBytes)}, the most a line may hold; shorten the row or raise the cap (--max-line-mib)`,
    );
    this.file = file;
    this.line = line;
    this.limitBytes = limitBytes;
  }
}

/**
 * Another run holds the output's lock (`<output>.lock`): two writers would pay for every row twice and
 * write it twice.
 *
 * @example
 * ```ts
 * new OutputLockedError("out.jsonl.lock", { pid: 4242, host: "box", started: "2025-01-01T00:00:00.000Z" });
 * ```
 */
export class OutputLockedError extends ReviseError {
  /** The lock file. */
  readonly lock: string;
  /** Who holds it, as its lock file says. */
  readonly holder: { readonly pid: number; readonly host: string; readonly started: string };

  constructor(lock: string, holder: { pid: number; host: string; started: string }, detail = "") {
    super(
      "OUTPUT_LOCKED",
      `${lock}: another run writes this output (pid ${holder.pid} on ${holder.host}, started ${holder.started})${detail}; wait for it to finish or stop it, or give another --output. Delete the lock file only if that process is gone`,
    );
    this.lock = lock;
    this.holder = holder;
  }
}

/**
 * A response body larger than the cap (`maxResponseBytes`, `--max-response-mib`): the request was aborted
 * as the cap was passed, so the body was never held whole.
 *
 * @example
 * ```ts
 * new ResponseTooLargeError(16 * 2 ** 20, "http://localhost:8000/v1/chat/completions");
 * ```
 */
export class ResponseTooLargeError extends ReviseError {
  /** The cap, in bytes. */
  readonly limitBytes: number;
  /** Where the response came from (a URL or a model name). */
  readonly source: string;

  constructor(limitBytes: number, source: string) {
    super(
      "RESPONSE_TOO_LARGE",
      `${source}: the response is larger than ${formatBytes(limitBytes)}, far more than a chat completion holds; the request was aborted. Check the server, or raise the cap (--max-response-mib)`,
    );
    this.limitBytes = limitBytes;
    this.source = source;
  }
}

/**
 * A request the server refused because of its own configuration (a prompt longer than its model's context,
 * no tokenizer or chat template, an unknown model, a refused key): every row would be refused the same way,
 * so the run stops instead of writing rows to the rejects file, and the rows are retried by the next run.
 *
 * @example
 * ```ts
 * new EndpointConfigError("llama", 400, "context length exceeded", "the prompt does not fit the model's context", "serve the model with a longer context");
 * ```
 */
export class EndpointConfigError extends EndpointError {
  /** What about the server's configuration stops the requests. */
  readonly problem: string;
  /** What to change. */
  readonly fix: string;

  constructor(
    model: string,
    status: number,
    detail: string,
    problem: string,
    fix: string,
    options?: ErrorOptions,
  ) {
    super(model, status, detail, false, 1, {
      ...options,
      code: "ENDPOINT_MISCONFIGURED",
      message: `${model}: the server refused the request because of its configuration: ${problem} (HTTP ${status}: ${detail}). Fix: ${fix}. No row was marked done; rerun the same command after the fix to resume.`,
    });
    this.problem = problem;
    this.fix = fix;
  }
}

/**
 * A request given up by a graceful stop while it waited (a retry's backoff, the rate limiter): nothing of
 * it was written, and the row is built by the next run.
 *
 * @example
 * ```ts
 * new InterruptedError("the rate limiter").code; // "INTERRUPTED"
 * ```
 */
export class InterruptedError extends ReviseError {
  constructor(waitingFor = "a retry") {
    super("INTERRUPTED", `stopped while waiting for ${waitingFor}; the row is redone on resume`);
  }
}

/** `67108864` → `"64 MiB"`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30 && bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30} GiB`;
  if (bytes >= 2 ** 20) return `${+(bytes / 2 ** 20).toFixed(2)} MiB`;
  if (bytes >= 2 ** 10) return `${+(bytes / 2 ** 10).toFixed(2)} KiB`;
  return `${bytes} bytes`;
}
