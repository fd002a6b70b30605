import OpenAI, { APIError } from "openai";
import { z } from "zod";
import { batchScope } from "./batch-scope.js";
import {
  EndpointConfigError,
  EndpointError,
  InterruptedError,
  MalformedResponseError,
  MissingApiKeyError,
  ReviseError,
} from "./errors.js";
import { createHttpFetch, type FetchLike, withOpenAIErrorBodies } from "./http-fetch.js";
import { validateRecord } from "./jsonl.js";
import { linkSignal } from "./linked-signal.js";
import { RateLimiter, RateLimitsSchema } from "./rate-limiter.js";
import { redact } from "./redact.js";
import { type RetryOptions, withRetries } from "./retry.js";
import type { GenerateRequest, Generation, Generator } from "./roles.js";
import { serverRefusal } from "./server-refusal.js";

/** The default request timeout: 120 s, so a hung endpoint costs minutes per row, not an hour. */
export const DEFAULT_TIMEOUT_MS = 120_000;
/** The default cap on one response body: 16 MiB, far more than a chat completion holds. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 2 ** 20;

/**
 * An OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server, …) and its sampling parameters.
 * The API key is read from the environment variable `apiKeyEnv`, never passed in or written anywhere.
 *
 * @example
 * ```ts
 * EndpointOptionsSchema.parse({ baseURL: "http://localhost:8000/v1", model: "meta-llama/Meta-Llama-3-8B-Instruct" });
 * ```
 */
export const EndpointOptionsSchema = z.object({
  baseURL: z.url(),
  model: z.string().min(1),
  apiKeyEnv: z.string().min(1).default("OPENAI_API_KEY"),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  maxTokens: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
  /** Per-request timeout (one attempt, the whole body included); default 120 000 ms. */
  timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
  /**
   * The largest response body taken, in bytes; past it the request is aborted and the run stops with a
   * `RESPONSE_TOO_LARGE` error. Default 16 MiB. Applies to the default fetch only (not to `shared.fetch`).
   */
  maxResponseBytes: z.number().int().positive().default(DEFAULT_MAX_RESPONSE_BYTES),
  /** Extra body fields for servers with their own parameters (vLLM's `top_k`, `min_p`, …). */
  extraBody: z.record(z.string(), z.unknown()).optional(),
  /** USD per million input and output tokens, for the cost estimate and budget. */
  price: z
    .object({ inputPerMillion: z.number().nonnegative(), outputPerMillion: z.number().nonnegative() })
    .optional(),
  /**
   * This endpoint's own rate limits (its account's or server's); a run's `rateLimits` apply where an
   * endpoint gives none. `{}` means none.
   */
  rateLimits: RateLimitsSchema.optional(),
});
/** Endpoint options as given (see {@link EndpointOptionsSchema}). */
export type EndpointOptions = z.input<typeof EndpointOptionsSchema>;
/** Endpoint options after defaults. */
export type ResolvedEndpoint = z.output<typeof EndpointOptionsSchema>;

/**
 * What endpoints of one run share: retry policy, rate limiter, the environment to read keys from, and a
 * hook called before each retry (for progress output; the message is already redacted).
 *
 * @example
 * ```ts
 * const shared: EndpointShared = { retry: { maxRetries: 2 }, limiter: new RateLimiter({ requestsPerMinute: 100 }) };
 * ```
 */
export interface EndpointShared {
  readonly retry?: RetryOptions;
  /** The limiter of this endpoint's account; default: one of the endpoint's own `rateLimits`, if any. */
  readonly limiter?: RateLimiter;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly onRetry?: (message: string, attempt: number, delayMs: number) => void;
  /**
   * Graceful stop: a request waiting for a retry (whatever `Retry-After` asked) or for the rate limiter
   * gives up at once with an `INTERRUPTED` error, leaving its row for the next run; a request in flight is
   * not cut.
   */
  readonly stop?: AbortSignal;
  /**
   * The `fetch` the `openai` client uses: default {@link createHttpFetch} (keep-alive, buffered JSON);
   * pass `globalThis.fetch` for Node's built-in one, or any fetch (a proxy, a recorder).
   */
  readonly fetch?: FetchLike;
}

/**
 * A {@link Generator} backed by the `openai` client, with its resolved endpoint (for cost estimates).
 *
 * @example
 * ```ts
 * const policy: OpenAIGenerator = createOpenAIGenerator({ baseURL: "http://localhost:8000/v1", model: "llama" });
 * policy.endpoint.price; // undefined
 * ```
 */
export interface OpenAIGenerator extends Generator {
  readonly endpoint: ResolvedEndpoint;
  /** The `openai` client (shared by the Batch API mode). */
  readonly client: OpenAI;
  /** The chat-completions body this generator would send (used by the Batch API mode). */
  body(request: Omit<GenerateRequest, "signal">): Record<string, unknown>;
  /** Turns a chat-completions response body into a {@link Generation}. */
  read(response: unknown): Generation;
  /** Removes this endpoint's key from a text. */
  redact(text: string): string;
}

interface ChatResponse {
  choices?: { message?: { content?: string | null } | null }[] | null;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  model?: string;
}

function estimateTokens(request: Omit<GenerateRequest, "signal">, maxTokens: number | undefined): number {
  let chars = 0;
  for (const message of request.messages) chars += message.content.length;
  return Math.ceil(chars / 4) + (maxTokens ?? 1024) * (request.n ?? 1);
}

/**
 * Creates a {@link Generator} for an OpenAI-compatible endpoint. Every call goes through the official
 * `openai` client (its own retries off); ours retry 408/409/429/5xx, network errors, timeouts and
 * malformed or empty responses with backoff honouring `Retry-After`, and give up at once on other 4xx.
 *
 * @throws {MissingApiKeyError} when the key variable is unset (for servers without keys, set it to any
 * value, e.g. `OPENAI_API_KEY=EMPTY` for vLLM).
 * @throws {InvalidFieldError} naming the option that is invalid.
 * @example
 * ```ts
 * const reviser = createOpenAIGenerator({ baseURL: "https://api.openai.com/v1", model: "gpt-4-turbo", temperature: 0.7, maxTokens: 4096 });
 * const { texts } = await reviser.generate({ messages: [{ role: "user", content: "Hi" }] });
 * ```
 */
export function createOpenAIGenerator(
  options: EndpointOptions,
  shared: EndpointShared = {},
): OpenAIGenerator {
  const endpoint = validateRecord(EndpointOptionsSchema, options);
  const env = shared.env ?? process.env;
  const limiter =
    shared.limiter ?? (endpoint.rateLimits === undefined ? undefined : new RateLimiter(endpoint.rateLimits));
  const apiKey = env[endpoint.apiKeyEnv];
  if (apiKey === undefined || apiKey === "") throw new MissingApiKeyError(endpoint.apiKeyEnv);
  const client = new OpenAI({
    apiKey,
    baseURL: endpoint.baseURL,
    timeout: endpoint.timeoutMs,
    maxRetries: 0,
    fetch: shared.fetch === undefined ? createHttpFetch() : withOpenAIErrorBodies(shared.fetch),
  });
  // Chat completions are capped; the client the Batch API mode shares downloads whole batch output files.
  const chat =
    shared.fetch === undefined
      ? client.withOptions({ fetch: createHttpFetch({ maxResponseBytes: endpoint.maxResponseBytes }) })
      : client;
  const clean = (text: string): string => redact(text, [apiKey]);

  const body = (request: Omit<GenerateRequest, "signal">): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      ...endpoint.extraBody,
      model: endpoint.model,
      messages: request.messages,
    };
    if ((request.n ?? 1) !== 1) out.n = request.n;
    if (endpoint.temperature !== undefined) out.temperature = endpoint.temperature;
    if (endpoint.topP !== undefined) out.top_p = endpoint.topP;
    if (endpoint.maxTokens !== undefined) out.max_tokens = endpoint.maxTokens;
    if (endpoint.seed !== undefined) out.seed = endpoint.seed;
    return out;
  };

  const read = (response: unknown): Generation => {
    const data = (response ?? {}) as ChatResponse;
    const choices = Array.isArray(data.choices) ? data.choices : [];
    if (choices.length === 0) throw new MalformedResponseError(endpoint.model, "no choices in the response");
    const texts = choices.map((choice) => {
      const content = choice?.message?.content;
      if (typeof content !== "string")
        throw new MalformedResponseError(endpoint.model, "a choice has no text content");
      return content;
    });
    return {
      texts,
      model: typeof data.model === "string" && data.model !== "" ? data.model : endpoint.model,
      usage: {
        promptTokens: data.usage?.prompt_tokens ?? 0,
        completionTokens: data.usage?.completion_tokens ?? 0,
      },
    };
  };

  const self: OpenAIGenerator = {
    model: endpoint.model,
    endpoint,
    client,
    body,
    read,
    redact: clean,
    async generate(request) {
      const scope = batchScope.getStore();
      if (scope !== undefined) return scope.intercept(self, request);
      const payload = body(request);
      const estimate = estimateTokens(request, endpoint.maxTokens);
      // One listener on the caller's signal however many requests share it (the client adds a listener to
      // the signal it is given and never removes it): the request, each attempt and the waits between
      // attempts get linked signals of their own.
      const hard = linkSignal(request.signal);
      const wait = linkSignal(request.signal, shared.stop);
      const result = await withRetries(
        async (signal) => {
          if (limiter !== undefined) {
            try {
              await limiter.acquire(estimate, wait.signal);
            } catch (error) {
              if (wait.signal.aborted && !hard.signal.aborted) throw new InterruptedError("the rate limiter");
              throw error;
            }
          }
          const attempt = linkSignal(signal);
          try {
            const response = await chat.chat.completions.create(
              payload as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming,
              { signal: attempt.signal },
            );
            return read(response);
          } finally {
            attempt.release();
          }
        },
        shared.retry,
        hard.signal,
        (error, attempt, delayMs) => shared.onRetry?.(clean(describe(error)), attempt, delayMs),
        wait.signal,
      ).finally(() => {
        hard.release();
        wait.release();
      });
      if (result.ok) return result.value;
      const { error, attempts, retryable } = result.failure;
      const tooLarge = [error, (error as Error | undefined)?.cause].find(
        (e) => ReviseError.isInstance(e) && e.code === "RESPONSE_TOO_LARGE",
      );
      if (tooLarge !== undefined) throw tooLarge;
      const status = error instanceof APIError && typeof error.status === "number" ? error.status : undefined;
      const detail = clean(describe(error));
      if (status !== undefined && !retryable) {
        const refusal = serverRefusal({
          status,
          code: (error as APIError).code,
          message: detail,
          model: endpoint.model,
          baseURL: endpoint.baseURL,
        });
        if (refusal !== undefined) {
          throw new EndpointConfigError(endpoint.model, status, detail, refusal.problem, refusal.fix, {
            cause: error,
          });
        }
      }
      throw new EndpointError(endpoint.model, status, detail, retryable, attempts);
    },
  };
  return self;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
