import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prompts, readRows, tempDir, writeJsonl } from "../test/helpers.js";
import { startTestServer } from "../test/server.js";
import { stronger } from "./commands.js";
import { EndpointLimiters } from "./endpoint-limiters.js";
import type { RateLimits } from "./rate-limiter.js";

describe("EndpointLimiters", () => {
  it("gives each account (base URL + key variable) its own limiter, and none without limits", () => {
    const limiters = new EndpointLimiters({ requestsPerMinute: 10 });
    const hosted = limiters.for({ baseURL: "https://api.example.com/v1", apiKeyEnv: "K" });
    expect(hosted).toBeDefined();
    expect(limiters.for({ baseURL: "https://api.example.com/v1/", apiKeyEnv: "K" })).toBe(hosted);
    expect(limiters.for({ baseURL: "https://api.example.com/v1", apiKeyEnv: "OTHER" })).not.toBe(hosted);
    expect(limiters.for({ baseURL: "http://localhost:8000/v1", apiKeyEnv: "K" })).not.toBe(hosted);
    expect(
      new EndpointLimiters().for({ baseURL: "http://localhost:8000/v1", apiKeyEnv: "K" }),
    ).toBeUndefined();
    expect(
      new EndpointLimiters().for({
        baseURL: "http://localhost:8000/v1",
        apiKeyEnv: "K",
        rateLimits: { requestsPerMinute: 5 },
      }),
    ).toBeDefined();
  });

  it("an endpoint's own limits win over the run's limiter", async () => {
    const limiters = new EndpointLimiters({ requestsPerMinute: 1 });
    const own = limiters.for({
      baseURL: "http://localhost:1/v1",
      apiKeyEnv: "K",
      rateLimits: { requestsPerMinute: 6000 },
    })!;
    const start = performance.now();
    for (let i = 0; i < 5; i++) await own.acquire(1);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

/**
 * `stronger` over `rows` prompts with the policy and the stronger model on two local servers, the run
 * limited to one request per minute (and each endpoint to `endpointLimits`, when given).
 */
async function strongerOnTwoServers(rows: number, endpointLimits?: RateLimits) {
  const policy = await startTestServer();
  const strongModel = await startTestServer();
  try {
    const dir = tempDir();
    const input = writeJsonl(
      join(dir, "in.jsonl"),
      prompts(rows).map((p) => ({ prompt: p.prompt })),
    );
    const output = join(dir, "out.jsonl");
    const own = endpointLimits === undefined ? {} : { rateLimits: endpointLimits };
    const start = performance.now();
    const summary = await stronger(
      {
        input,
        output,
        rateLimits: { requestsPerMinute: 1 },
        concurrency: 1,
        stronger: { baseURL: strongModel.url, model: "gpt-4", ...own },
        policy: { baseURL: policy.url, model: "llama", ...own },
      },
      { env: { OPENAI_API_KEY: "k" } },
    );
    return {
      seconds: (performance.now() - start) / 1000,
      accepted: summary.accepted,
      written: readRows(output).length,
      requests: [policy.chatRequests, strongModel.chatRequests],
    };
  } finally {
    await policy.close();
    await strongModel.close();
  }
}

describe("rate limits per endpoint in a run", () => {
  it("the run's limits apply to each endpoint's account on its own", async () => {
    // One request to each server: with one limiter for the run, the second would wait a minute.
    const run = await strongerOnTwoServers(1);
    expect(run).toMatchObject({ accepted: 1, written: 1, requests: [1, 1] });
    expect(run.seconds).toBeLessThan(20);
  }, 90_000);

  it("an endpoint's own limits win over the run's", async () => {
    // Two requests to each server: at the run's one request per minute the second would wait a minute.
    const run = await strongerOnTwoServers(2, { requestsPerMinute: 600 });
    expect(run).toMatchObject({ accepted: 2, written: 2, requests: [2, 2] });
    expect(run.seconds).toBeLessThan(20);
  }, 90_000);
});
