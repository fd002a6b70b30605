import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../test/server.js";
import {
  EndpointConfigError,
  EndpointError,
  InterruptedError,
  InvalidFieldError,
  MissingApiKeyError,
} from "./errors.js";
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

  it.each([
    [400, "ENDPOINT_REFUSED"],
    [401, "ENDPOINT_MISCONFIGURED"],
    [404, "ENDPOINT_MISCONFIGURED"],
    [422, "ENDPOINT_REFUSED"],
  ] as const)("does not retry %i", async (status, code) => {
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
    expect(error).toMatchObject({ status, retryable: false, attempts: 1, code });
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

  it("puts one listener on a shared signal however many requests are in flight", async () => {
    const controller = new AbortController();
    const gen = generator();
    server.latencyMs = 40;
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, getEventListeners(controller.signal, "abort").length);
    }, 5);
    try {
      await Promise.all(
        Array.from({ length: 16 }, () => gen.generate({ messages, signal: controller.signal })),
      );
    } finally {
      clearInterval(watch);
      server.latencyMs = 0;
    }
    expect(most).toBe(1);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("stops a refused request for the server's configuration with the cause and the fix", async () => {
    // vLLM before 0.10 answers with a flat body, which the openai client alone reads as "(no body)".
    server.faults.push({
      kind: "status",
      status: 400,
      body: JSON.stringify({
        object: "error",
        message:
          "This model's maximum context length is 2048 tokens. However, you requested 4196 tokens (100 in the messages, 4096 in the completion). Please reduce the length of the messages or completion.",
        type: "BadRequestError",
        param: null,
        code: 400,
      }),
    });
    const error = await generator()
      .generate({ messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointConfigError);
    expect(error).toMatchObject({ code: "ENDPOINT_MISCONFIGURED", status: 400, retryable: false });
    expect((error as Error).message).toContain("the prompt and max_tokens do not fit the model's context");
    expect((error as Error).message).toContain("maximum context length is 2048");
  });

  it("applies a requests-per-minute limit", async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 600 }); // a bucket of 600, refilled 10 per second
    const gen = generator({ limiter });
    await Promise.all(Array.from({ length: 600 }, () => limiter.acquire(1)));
    const start = performance.now();
    await gen.generate({ messages });
    // The next request is due 100 ms after the bucket was drained; a loaded machine eats into that.
    expect(performance.now() - start).toBeGreaterThanOrEqual(50);
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

describe("createOpenAIGenerator defaults", () => {
  it("times a request out after 120 s and caps a response at 16 MiB", () => {
    const gen = createOpenAIGenerator({ baseURL: server.url, model: "m" }, { env: { OPENAI_API_KEY: "k" } });
    expect(gen.endpoint.timeoutMs).toBe(120_000);
    expect(gen.endpoint.maxResponseBytes).toBe(16 * 2 ** 20);
  });

  it("gives up a retry's wait at once on a graceful stop, whatever Retry-After asked", async () => {
    const stop = new AbortController();
    server.faults.push({ kind: "status", status: 503, headers: { "retry-after": "300" } });
    const before = server.chatRequests;
    const gen = createOpenAIGenerator(
      { baseURL: server.url, model: "m" },
      { env: { OPENAI_API_KEY: "k" }, stop: stop.signal, onRetry: () => setTimeout(() => stop.abort(), 20) },
    );
    const started = performance.now();
    const error = await gen.generate({ messages }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(server.chatRequests - before).toBe(1);
    expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
  });
});
