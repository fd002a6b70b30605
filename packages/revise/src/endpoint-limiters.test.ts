import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prompts, readRows, tempDir, writeJsonl } from "../test/helpers.js";
import { startTestServer } from "../test/server.js";
import { stronger } from "./commands.js";
import { EndpointLimiters } from "./endpoint-limiters.js";

describe("EndpointLimiters", () => {
  it("gives each account (base URL + key variable) its own limiter, and none without limits", () => {
    const limiters = new EndpointLimiters({ requestsPerMinute: 10 });
    const hosted = limiters.for({ baseURL: "https://api.example.com/v1", apiKeyEnv: "K" });
    expect(hosted).toBeDefined();
    expect(limiters.for({ baseURL: "https://api.example.com/v1/", apiKeyEnv: "K" })).toBe(hosted);
    expect(limiters.for({ baseURL: "https://api.example.com/v1", apiKeyEnv: "OTHER" })).not.toBe(hosted);
    expect(limiters.for({ baseURL: "http://localhost:8000/v1", apiKeyEnv: "K" })).not.toBe(hosted);
    expect(new EndpointLimiters().for({ baseURL: "http://localhost:8000/v1" })).toBeUndefined();
    expect(
      new EndpointLimiters().for({
        baseURL: "http://localhost:8000/v1",
        rateLimits: { requestsPerMinute: 5 },
      }),
    ).toBeDefined();
  });

  it("an endpoint's own limits win over the run's", async () => {
    const limiters = new EndpointLimiters({ requestsPerMinute: 1 });
    const own = limiters.for({ baseURL: "http://localhost:1/v1", rateLimits: { requestsPerMinute: 6000 } })!;
    const start = performance.now();
    for (let i = 0; i < 5; i++) await own.acquire(1);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe("rate limits per endpoint in a run", () => {
  it("the run's limits apply to each endpoint's account on its own", async () => {
    const policy = await startTestServer();
    const strongModel = await startTestServer();
    try {
      const dir = tempDir();
      const input = writeJsonl(join(dir, "in.jsonl"), [{ prompt: "p1" }]);
      const start = performance.now();
      // One request per minute, one request to each server: with one limiter for the run, the second
      // request would wait a minute.
      const summary = await stronger(
        {
          input,
          output: join(dir, "out.jsonl"),
          rateLimits: { requestsPerMinute: 1 },
          stronger: { baseURL: strongModel.url, model: "gpt-4" },
          policy: { baseURL: policy.url, model: "llama" },
        },
        { env: { OPENAI_API_KEY: "k" } },
      );
      expect(summary.accepted).toBe(1);
      expect([policy.chatRequests, strongModel.chatRequests]).toEqual([1, 1]);
      expect(performance.now() - start).toBeLessThan(20_000);
    } finally {
      await policy.close();
      await strongModel.close();
    }
  }, 90_000);

  it("a policy server is not held back by the stronger model's limits (and vice versa)", async () => {
    const policy = await startTestServer();
    const strongModel = await startTestServer();
    try {
      const dir = tempDir();
      const input = writeJsonl(
        join(dir, "in.jsonl"),
        prompts(2).map((p) => ({ prompt: p.prompt })),
      );
      const output = join(dir, "out.jsonl");
      const start = performance.now();
      // One request per minute per account: two rows take two requests from each server. Each limiter
      // holds one minute's worth (one request), so a run that shared one limiter would wait ~3 minutes.
      const summary = await stronger(
        {
          input,
          output,
          rateLimits: { requestsPerMinute: 1 },
          concurrency: 1,
          stronger: { baseURL: strongModel.url, model: "gpt-4", rateLimits: { requestsPerMinute: 600 } },
          policy: { baseURL: policy.url, model: "llama", rateLimits: { requestsPerMinute: 600 } },
        },
        { env: { OPENAI_API_KEY: "k" } },
      );
      expect(summary.accepted).toBe(2);
      expect(readRows(output)).toHaveLength(2);
      expect([policy.chatRequests, strongModel.chatRequests]).toEqual([2, 2]);
      expect(performance.now() - start).toBeLessThan(20_000);
    } finally {
      await policy.close();
      await strongModel.close();
    }
  }, 60_000);
});
