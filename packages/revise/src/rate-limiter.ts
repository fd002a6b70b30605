import { z } from "zod";
import { sleep } from "./retry.js";

/**
 * Requests and tokens per minute, as options take them (`rateLimits` of a run or of one endpoint).
 *
 * @example
 * ```ts
 * RateLimitsSchema.parse({ requestsPerMinute: 500 });
 * ```
 */
export const RateLimitsSchema = z.object({
  requestsPerMinute: z.number().positive().optional(),
  tokensPerMinute: z.number().positive().optional(),
});

/**
 * Limits of a rate limiter; either may be left out.
 *
 * @example
 * ```ts
 * const limits: RateLimits = { requestsPerMinute: 500, tokensPerMinute: 150_000 };
 * ```
 */
export interface RateLimits {
  readonly requestsPerMinute?: number | undefined;
  readonly tokensPerMinute?: number | undefined;
}

/**
 * A requests-per-minute and tokens-per-minute limiter: two token buckets, each holding one minute's worth
 * and refilled continuously, so short bursts pass and the average stays under the limit.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ requestsPerMinute: 60 });
 * await limiter.acquire(1200, signal); // waits until one request and 1200 tokens are available
 * ```
 */
export class RateLimiter {
  readonly #rpm: number;
  readonly #tpm: number;
  #requests: number;
  #tokens: number;
  #last = performance.now();
  #queue: Promise<void> = Promise.resolve();

  constructor(limits: RateLimits) {
    this.#rpm = limits.requestsPerMinute ?? Infinity;
    this.#tpm = limits.tokensPerMinute ?? Infinity;
    this.#requests = this.#rpm;
    this.#tokens = this.#tpm;
  }

  #refill(): void {
    const now = performance.now();
    const minutes = (now - this.#last) / 60_000;
    this.#last = now;
    this.#requests = Math.min(this.#rpm, this.#requests + minutes * this.#rpm);
    this.#tokens = Math.min(this.#tpm, this.#tokens + minutes * this.#tpm);
  }

  /**
   * Waits until one request and `tokens` tokens (clamped to the per-minute limit) may be spent, in FIFO
   * order, then spends them.
   */
  acquire(tokens: number, signal?: AbortSignal): Promise<void> {
    const cost = Math.min(tokens, this.#tpm);
    const turn = this.#queue.then(async () => {
      for (;;) {
        this.#refill();
        if (this.#requests >= 1 && this.#tokens >= cost) {
          this.#requests -= 1;
          this.#tokens -= cost;
          return;
        }
        const needRequests = this.#requests >= 1 ? 0 : ((1 - this.#requests) / this.#rpm) * 60_000;
        const needTokens = this.#tokens >= cost ? 0 : ((cost - this.#tokens) / this.#tpm) * 60_000;
        await sleep(Math.max(1, needRequests, needTokens), signal);
      }
    });
    this.#queue = turn.catch(() => undefined);
    return turn;
  }
}
