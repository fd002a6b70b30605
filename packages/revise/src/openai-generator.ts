import OpenAI, { APIError } from "openai";
import { z } from "zod";
import { batchScope } from "./batch-scope.js";
import { EndpointError, MalformedResponseError, MissingApiKeyError } from "./errors.js";
import { createHttpFetch, type FetchLike } from "./http-fetch.js";
import { validateRecord } from "./jsonl.js";
import { RateLimiter, RateLimitsSchema } from "./rate-limiter.js";
import { redact } from "./redact.js";
import { type RetryOptions, withRetries } from "./retry.js";
import type { GenerateRequest, Generation, Generator } from "./roles.js";

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
  /** Per-request timeout (one attempt). */
  timeoutMs: z.number().int().positive().default(600_000),
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
    fetch: shared.fetch ?? createHttpFetch(),
  });
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
      // The client never removes the listener it adds to a caller's signal: give it a per-request
      // signal instead, linked to the caller's for as long as the request lasts.
      const parent = request.signal;
      const link = parent === undefined ? undefined : new AbortController();
      const forward = (): void => link?.abort(parent?.reason);
      if (parent?.aborted) forward();
      parent?.addEventListener("abort", forward, { once: true });
      const result = await withRetries(
        async (signal) => {
          await limiter?.acquire(estimate, signal);
          const response = await client.chat.completions.create(
            payload as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming,
            signal === undefined ? {} : { signal },
          );
          return read(response);
        },
        shared.retry,
        link?.signal,
        (error, attempt, delayMs) => shared.onRetry?.(clean(describe(error)), attempt, delayMs),
      ).finally(() => parent?.removeEventListener("abort", forward));
      if (result.ok) return result.value;
      const { error, attempts, retryable } = result.failure;
      const status = error instanceof APIError && typeof error.status === "number" ? error.status : undefined;
      throw new EndpointError(endpoint.model, status, clean(describe(error)), retryable, attempts);
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
