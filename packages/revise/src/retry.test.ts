import {
  APIConnectionError,
  APIUserAbortError,
  BadRequestError,
  InternalServerError,
  RateLimitError,
} from "openai";
import { describe, expect, it } from "vitest";
import { MalformedResponseError } from "./errors.js";
import { RateLimiter } from "./rate-limiter.js";
import { backoffDelay, isRetryable, retryAfterMs, sleep, withRetries } from "./retry.js";

describe("retry policy", () => {
  it("classifies errors", () => {
    expect(isRetryable(new RateLimitError(429, undefined, "slow", new Headers()))).toBe(true);
    expect(isRetryable(new InternalServerError(503, undefined, "down", new Headers()))).toBe(true);
    expect(isRetryable(new BadRequestError(400, undefined, "bad", new Headers()))).toBe(false);
    expect(isRetryable(new APIConnectionError({ message: "reset" }))).toBe(true);
    expect(isRetryable(new MalformedResponseError("m", "no choices"))).toBe(true);
    expect(isRetryable(new APIUserAbortError())).toBe(false);
  });

  it("reads Retry-After in seconds, milliseconds and HTTP dates", () => {
    expect(retryAfterMs(new Headers({ "retry-after": "2" }))).toBe(2000);
    expect(retryAfterMs(new Headers({ "retry-after-ms": "150", "retry-after": "9" }))).toBe(150);
    const now = Date.parse("2024-01-01T00:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after": "Mon, 01 Jan 2024 00:00:05 GMT" }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });

  it("backs off exponentially with jitter, capped, and prefers Retry-After", () => {
    expect(backoffDelay(0, undefined, { baseDelayMs: 100, jitter: 0 })).toBe(100);
    expect(backoffDelay(3, undefined, { baseDelayMs: 100, jitter: 0 })).toBe(800);
    expect(backoffDelay(20, undefined, { baseDelayMs: 100, maxDelayMs: 1000, jitter: 0 })).toBe(1000);
    expect(backoffDelay(2, undefined, { baseDelayMs: 100, jitter: 0.5 }, () => 1)).toBe(200);
    const limited = new RateLimitError(429, undefined, "slow", new Headers({ "retry-after": "7" }));
    expect(backoffDelay(0, limited, { baseDelayMs: 1 })).toBe(7000);
    expect(backoffDelay(0, limited, { maxRetryAfterMs: 500 })).toBe(500);
  });

  it("retries until success, and not on a refusal", async () => {
    let calls = 0;
    const ok = await withRetries(
      async () => {
        calls += 1;
        if (calls < 3) throw new InternalServerError(500, undefined, "x", new Headers());
        return "done";
      },
      { baseDelayMs: 1 },
    );
    expect(ok).toEqual({ ok: true, value: "done", attempts: 3 });
    const refused = await withRetries(async () => {
      throw new BadRequestError(400, undefined, "bad", new Headers());
    });
    expect(refused).toMatchObject({ ok: false, failure: { attempts: 1, retryable: false } });
  });

  it("sleep stops when aborted", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 10);
    await expect(sleep(10_000, controller.signal)).rejects.toThrow("stop");
  });
});

describe("RateLimiter", () => {
  it("holds requests beyond the tokens-per-minute budget", async () => {
    const limiter = new RateLimiter({ tokensPerMinute: 60_000 }); // 1000 tokens per second
    await limiter.acquire(60_000);
    const start = performance.now();
    await limiter.acquire(100); // needs 0.1 s of refill
    expect(performance.now() - start).toBeGreaterThanOrEqual(90);
  });

  it("passes at once under the limits", async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1000, tokensPerMinute: 1e6 });
    const start = performance.now();
    await Promise.all(Array.from({ length: 100 }, () => limiter.acquire(100)));
    expect(performance.now() - start).toBeLessThan(50);
  });
});
