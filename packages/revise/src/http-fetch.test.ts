import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../test/server.js";
import { ResponseTooLargeError } from "./errors.js";
import { createHttpFetch } from "./http-fetch.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("createHttpFetch", () => {
  const fetch = createHttpFetch({ maxSockets: 4 });
  const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });

  it("posts JSON and reads status, headers and body", async () => {
    const response = await fetch(`${server.url}/chat/completions`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", authorization: "Bearer x-token" },
    });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(((await response.json()) as { choices: unknown[] }).choices).toHaveLength(1);
    expect(server.authorizations.has("Bearer x-token")).toBe(true);
  });

  it("passes error statuses and their headers through", async () => {
    server.faults.push({ kind: "status", status: 429, headers: { "retry-after": "3" } });
    const response = await fetch(`${server.url}/chat/completions`, { method: "POST", body });
    expect(response.status).toBe(429);
    expect(response.ok).toBe(false);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(await response.text()).toContain("injected 429");
  });

  it("rejects a cut-short body with a TypeError", async () => {
    server.faults.push({ kind: "truncated" });
    await expect(fetch(`${server.url}/chat/completions`, { method: "POST", body })).rejects.toBeInstanceOf(
      TypeError,
    );
  });

  it("rejects with an AbortError when the signal aborts", async () => {
    server.faults.push({ kind: "hang" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(
      fetch(`${server.url}/chat/completions`, { method: "POST", body, signal: controller.signal }),
    ).rejects.toMatchObject({ name: "AbortError" });
  });

  it("aborts a body past maxResponseBytes as it streams, and refuses a declared one before reading", async () => {
    const capped = createHttpFetch({ maxResponseBytes: 2 ** 20 });
    for (const declared of [false, true]) {
      server.faults.push({ kind: "huge", bytes: 1.5e9, declared });
      const sent = server.hugeBytesSent;
      const error = await capped(`${server.url}/chat/completions`, { method: "POST", body }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ResponseTooLargeError);
      expect(error).toMatchObject({ code: "RESPONSE_TOO_LARGE", limitBytes: 2 ** 20 });
      expect((error as Error).message).toContain("larger than 1 MiB");
      expect(server.hugeBytesSent - sent).toBeLessThan(32 * 2 ** 20);
    }
    const small = await capped(`${server.url}/chat/completions`, { method: "POST", body });
    expect(small.status).toBe(200);
  });

  it("hands form bodies to the global fetch", async () => {
    const form = new FormData();
    form.append("purpose", "batch");
    form.append("file", new Blob(['{"a":1}\n']), "in.jsonl");
    const response = await fetch(`${server.url}/files`, { method: "POST", body: form });
    const { id } = (await response.json()) as { id: string };
    expect(server.files.get(id)).toBe('{"a":1}\n');
  });
});
