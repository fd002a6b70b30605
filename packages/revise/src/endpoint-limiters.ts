import type { ResolvedEndpoint } from "./openai-generator.js";
import { RateLimiter, type RateLimits } from "./rate-limiter.js";

/**
 * The rate limiters of a run, one per account: endpoints with the same base URL and API-key variable share
 * one (two roles on one hosted account draw from the same limits), other endpoints get their own (a local
 * policy server is not held back by a hosted reviser's limits). An endpoint's own `rateLimits` win over
 * the run's; the first endpoint of an account sets that account's limits.
 *
 * @example
 * ```ts
 * const limiters = new EndpointLimiters({ requestsPerMinute: 500 });
 * limiters.for({ baseURL: "https://api.openai.com/v1", apiKeyEnv: "OPENAI_API_KEY" }); // a RateLimiter
 * ```
 */
export class EndpointLimiters {
  readonly #fallback: RateLimits | undefined;
  readonly #byAccount = new Map<string, RateLimiter>();

  constructor(runLimits?: RateLimits) {
    this.#fallback = runLimits;
  }

  /**
   * The limiter of the endpoint's account (options after defaults, so `apiKeyEnv` is set), or `undefined`
   * when neither it nor the run sets limits.
   */
  for(endpoint: Pick<ResolvedEndpoint, "baseURL" | "apiKeyEnv" | "rateLimits">): RateLimiter | undefined {
    const limits = endpoint.rateLimits ?? this.#fallback;
    if (limits === undefined) return undefined;
    const account = `${new URL(endpoint.baseURL).href.replace(/\/+$/, "")}\n${endpoint.apiKeyEnv}`;
    let limiter = this.#byAccount.get(account);
    if (limiter === undefined) {
      limiter = new RateLimiter(limits);
      this.#byAccount.set(account, limiter);
    }
    return limiter;
  }
}
