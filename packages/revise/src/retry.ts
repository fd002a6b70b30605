import { APIError, APIUserAbortError } from "openai";
import { InterruptedError, ReviseError } from "./errors.js";
import { linkSignal } from "./linked-signal.js";

/**
 * How failed requests are retried: exponential backoff with jitter, honouring the server's `Retry-After`.
 *
 * ```text
 * delay(attempt) = Retry-After                                  when the server sent one (capped by maxRetryAfterMs)
 *                = min(maxDelayMs, baseDelayMs * 2^attempt) * (1 - jitter * U[0,1))   otherwise
 * ```
 *
 * @example
 * ```ts
 * const fast: RetryOptions = { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 50 };
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt; default 6. */
  readonly maxRetries?: number | undefined;
  /** The first backoff delay; default 1000 ms. */
  readonly baseDelayMs?: number | undefined;
  /** The largest backoff delay; default 60 000 ms. */
  readonly maxDelayMs?: number | undefined;
  /** The fraction of each delay that is randomised, in [0, 1]; default 0.5. */
  readonly jitter?: number | undefined;
  /** The longest `Retry-After` honoured; default 300 000 ms. */
  readonly maxRetryAfterMs?: number | undefined;
}

/** The retry defaults (see {@link RetryOptions}). */
export const DEFAULT_RETRY = {
  maxRetries: 6,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  jitter: 0.5,
  maxRetryAfterMs: 300_000,
} as const satisfies Required<RetryOptions>;

/**
 * Whether a failed request may succeed when sent again: network errors, timeouts, malformed or empty
 * responses, 408, 409, 429 and 5xx are retried; other 4xx (bad request, auth, not found) and aborts are not.
 *
 * @example
 * ```ts
 * isRetryable(new RateLimitError(429, undefined, "slow down", new Headers())); // true
 * ```
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof APIUserAbortError) return false;
  // A response over the size cap (thrown by our fetch, wrapped by the client) would be as large again.
  if (tooLarge(error) || tooLarge((error as Error | undefined)?.cause)) return false;
  if (error instanceof Error && error.name === "AbortError") return false;
  if (error instanceof APIError && typeof error.status === "number") {
    const status = error.status;
    return status === 408 || status === 409 || status === 429 || status >= 500;
  }
  return true;
}

function tooLarge(error: unknown): boolean {
  return ReviseError.isInstance(error) && error.code === "RESPONSE_TOO_LARGE";
}

/**
 * The delay a server asked for, from `retry-after-ms` or `retry-after` (seconds or an HTTP date).
 *
 * @example
 * ```ts
 * retryAfterMs(new Headers({ "retry-after": "2" })); // 2000
 * ```
 */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (headers === undefined) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && Number.isFinite(Number(ms)) && ms.trim() !== "") return Math.max(0, Number(ms));
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The delay before retry number `attempt` (0-based), per {@link RetryOptions}.
 *
 * @example
 * ```ts
 * backoffDelay(2, undefined, { baseDelayMs: 100, jitter: 0 }); // 400
 * ```
 */
export function backoffDelay(
  attempt: number,
  error: unknown,
  options: RetryOptions = {},
  random: () => number = Math.random,
): number {
  const o = {
    baseDelayMs: options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    jitter: options.jitter ?? DEFAULT_RETRY.jitter,
    maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
  };
  const headers = error instanceof APIError ? (error.headers as Headers | undefined) : undefined;
  const asked = retryAfterMs(headers);
  if (asked !== undefined) return Math.min(asked, o.maxRetryAfterMs);
  const exponential = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt);
  return exponential * (1 - o.jitter * random());
}

/**
 * Waits `ms`, or rejects as soon as `signal` aborts.
 *
 * @example
 * ```ts
 * await sleep(100, controller.signal);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The outcome of {@link withRetries} when every attempt failed.
 *
 * @example
 * ```ts
 * const failure: RetryFailure = { error, attempts: 7, retryable: true };
 * ```
 */
export interface RetryFailure {
  readonly error: unknown;
  readonly attempts: number;
  readonly retryable: boolean;
}

/**
 * Runs `attempt` until it succeeds, the error is not retryable, retries run out, or `signal` aborts.
 * Resolves `{ ok: true, value }` or `{ ok: false, failure }`; an abort rejects with the signal's reason.
 * `wait` (a graceful stop) ends the waits between attempts, not an attempt in flight: the retry is given
 * up at once with an {@link InterruptedError}, however long the server asked to wait.
 *
 * @example
 * ```ts
 * const result = await withRetries((signal) => client.chat.completions.create(body, { signal }), { maxRetries: 3 });
 * ```
 */
export async function withRetries<T>(
  attempt: (signal: AbortSignal | undefined) => Promise<T>,
  options: RetryOptions = {},
  signal?: AbortSignal,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
  wait?: AbortSignal,
): Promise<{ ok: true; value: T; attempts: number } | { ok: false; failure: RetryFailure }> {
  const maxRetries = options.maxRetries ?? DEFAULT_RETRY.maxRetries;
  for (let tried = 0; ; tried++) {
    if (signal?.aborted) throw signal.reason;
    let failed: unknown;
    try {
      return { ok: true, value: await attempt(signal), attempts: tried + 1 };
    } catch (error) {
      failed = error;
    }
    if (signal?.aborted) throw signal.reason;
    if (failed instanceof InterruptedError) throw failed;
    const retryable = isRetryable(failed);
    if (!retryable || tried >= maxRetries) {
      return { ok: false, failure: { error: failed, attempts: tried + 1, retryable } };
    }
    if (wait?.aborted) throw new InterruptedError();
    const delay = backoffDelay(tried, failed, options);
    onRetry?.(failed, tried + 1, delay);
    const either = wait === undefined ? undefined : linkSignal(signal, wait);
    try {
      await sleep(delay, either?.signal ?? signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (wait?.aborted) throw new InterruptedError();
      throw error;
    } finally {
      either?.release();
    }
  }
}
