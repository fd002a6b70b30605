import { ApoError } from "../errors.js";

/** The `error` object of an OpenAI-style error response. */
export interface OpenAIErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: string | null;
  };
}

/**
 * A request the server refuses, with the HTTP status and OpenAI's error fields (`type`, `param`, `code`),
 * so `openai` clients raise their usual `BadRequestError`, `AuthenticationError`, `NotFoundError`, ….
 *
 * @example
 * ```ts
 * throw new HttpError(400, "temperature must be a number in [0, 2]", { param: "temperature" });
 * ```
 */
export class HttpError extends ApoError {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly errorCode: string | null;

  constructor(
    status: number,
    message: string,
    fields: { type?: string; param?: string | null; code?: string | null } = {},
  ) {
    super("HTTP", message);
    this.status = status;
    this.type = fields.type ?? (status >= 500 ? "server_error" : "invalid_request_error");
    this.param = fields.param ?? null;
    this.errorCode = fields.code ?? null;
  }

  /** The response body. */
  body(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.errorCode } };
  }
}
