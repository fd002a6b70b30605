import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../test/server.js";
import { EndpointError, InvalidFieldError, MissingApiKeyError } from "./errors.js";
import { createOpenAIGenerator, type EndpointShared } from "./openai-generator.js";
import { RateLimiter } from "./rate-limiter.js";

const KEY = "sk-test-secret-0123456789abcdef";
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

let fetchImpl: EndpointShared["fetch"];

function generator(shared: EndpointShared = {}, timeoutMs = 2000) {
  return createOpenAIGenerator(
    {
      baseURL: server.url,
      model: "policy",
      apiKeyEnv: "TEST_KEY",
      timeoutMs,
      temperature: 0.7,
      maxTokens: 64,
    },
    {
      env: { TEST_KEY: KEY },
      retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 },
      ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
      ...shared,
    },
  );
}

const messages = [{ role: "user", content: "Name a prime." }] as const;

describe.each([
  ["the default http fetch", undefined],
  ["Node's global fetch", globalThis.fetch],
] as const)("createOpenAIGenerator against a local server, with %s", (_, chosenFetch) => {
  beforeAll(() => {
    fetchImpl = chosenFetch;
  });

  it("sends the key from the named variable and returns texts and usage", async () => {
    const result = await generator().generate({ messages, n: 2 });
    expect(result.texts).toEqual([
      "answer 0 to Name a prime. by policy",
      "answer 1 to Name a prime. by policy",
    ]);
    expect(result.usage).toEqual({ promptTokens: 10, completionTokens: 10 });
    expect(server.authorizations.has(`Bearer ${KEY}`)).toBe(true);
  });

  it.each([
    ["429 with Retry-After", { kind: "status", status: 429, headers: { "retry-after": "0.05" } }],
    ["500", { kind: "status", status: 500 }],
    ["503", { kind: "status", status: 503 }],
    ["408", { kind: "status", status: 408 }],
    ["malformed JSON", { kind: "malformed" }],
    ["a truncated body", { kind: "truncated" }],
    ["an empty choice list", { kind: "empty-choices" }],
  ] as const)("retries after %s", async (_name, fault) => {
    const before = server.chatRequests;
    server.faults.push(fault);
    const retries: string[] = [];
    const result = await generator({ onRetry: (message) => retries.push(message) }).generate({ messages });
    expect(result.texts[0]).toContain("Name a prime.");
    expect(server.chatRequests - before).toBe(2);
    expect(retries).toHaveLength(1);
  });

  it("honours Retry-After over its own shorter backoff", async () => {
    server.faults.push({ kind: "status", status: 429, headers: { "retry-after": "0.3" } });
    const start = performance.now();
    await generator().generate({ messages });
    expect(performance.now() - start).toBeGreaterThanOrEqual(280);
  });

  it("times out a hung socket and retries", async () => {
    server.faults.push({ kind: "hang" });
    const start = performance.now();
    const result = await generator({}, 300).generate({ messages });
    expect(result.texts).toHaveLength(1);
    expect(performance.now() - start).toBeGreaterThanOrEqual(290);
  });

  it.each([400, 401, 404, 422])("does not retry %i", async (status) => {
    const before = server.chatRequests;
    server.faults.push({
      kind: "status",
      status,
      body: JSON.stringify({ error: { message: `echo ${KEY}` } }),
    });
    const error = await generator()
      .generate({ messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointError);
    expect(error).toMatchObject({ status, retryable: false, attempts: 1, code: "ENDPOINT_REFUSED" });
    expect(server.chatRequests - before).toBe(1);
    expect(String((error as Error).message)).not.toContain(KEY);
    expect(JSON.stringify(error)).not.toContain(KEY);
  });

  it("gives up after maxRetries with a retryable error", async () => {
    for (let i = 0; i < 4; i++) server.faults.push({ kind: "status", status: 503 });
    const error = await generator()
      .generate({ messages })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, retryable: true, attempts: 4, code: "ENDPOINT_UNAVAILABLE" });
  });

  it("stops at once when the signal aborts", async () => {
    server.faults.push({ kind: "hang" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 50);
    const start = performance.now();
    await expect(generator({}, 5000).generate({ messages, signal: controller.signal })).rejects.toThrow();
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it("leaves no listener on a long-lived signal after its requests", async () => {
    const controller = new AbortController();
    const gen = generator();
    await Promise.all(
      Array.from({ length: 20 }, () => gen.generate({ messages, signal: controller.signal })),
    );
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("applies a requests-per-minute limit", async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 600 }); // a bucket of 600, refilled 10 per second
    const gen = generator({ limiter });
    await Promise.all(Array.from({ length: 600 }, () => limiter.acquire(1)));
    const start = performance.now();
    await gen.generate({ messages });
    expect(performance.now() - start).toBeGreaterThanOrEqual(80);
  });

  it("names a missing key variable and invalid options", () => {
    expect(() =>
      createOpenAIGenerator({ baseURL: server.url, model: "m", apiKeyEnv: "NOPE" }, { env: {} }),
    ).toThrow(MissingApiKeyError);
    expect(() =>
      createOpenAIGenerator({ baseURL: "not a url", model: "m" }, { env: { OPENAI_API_KEY: "k" } }),
    ).toThrow(InvalidFieldError);
    expect(() =>
      createOpenAIGenerator(
        { baseURL: server.url, model: "m", temperature: 7 },
        { env: { OPENAI_API_KEY: "k" } },
      ),
    ).toThrow(/field "temperature"/);
  });
});
