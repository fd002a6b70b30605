import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prompts, readRows, tempDir, writeJsonl } from "../test/helpers.js";
import { startTestServer, type TestServer } from "../test/server.js";
import { runBatch } from "./batch.js";
import { createClairBuilder } from "./clair.js";
import { createHttpFetch, type FetchLike } from "./http-fetch.js";
import { createOpenAIGenerator } from "./openai-generator.js";
import { DEFAULT_REVISER_PROMPT, renderPrompt } from "./prompts.js";
import type { PreferenceRow, RejectRow } from "./records.js";
import { rowKey } from "./run-dataset.js";
import { createTemplateReviser } from "./template-roles.js";

const KEY = "sk-batch-secret-abcdefghijklmnop";
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function setup(count: number, withPolicy = false, fetch?: FetchLike) {
  const dir = tempDir();
  const input = writeJsonl(join(dir, "in.jsonl"), prompts(count));
  const output = join(dir, "out.jsonl");
  const env = { K: KEY };
  const generator = createOpenAIGenerator(
    { baseURL: server.url, model: "gpt-4", apiKeyEnv: "K", temperature: 0.7, maxTokens: 4096 },
    { env, retry: { maxRetries: 1, baseDelayMs: 1 }, ...(fetch === undefined ? {} : { fetch }) },
  );
  const policy = createOpenAIGenerator({ baseURL: server.url, model: "llama", apiKeyEnv: "K" }, { env });
  const builder = createClairBuilder({
    reviser: createTemplateReviser(generator),
    ...(withPolicy ? { policy } : {}),
  });
  return { dir, input, output, generator, builder };
}

/**
 * A fetch whose downloaded file contents cannot be read as one string, as with an output file over V8's
 * string limit: `text()` rejects as V8 would, the bytes stay readable.
 */
function noWholeFileStrings(): FetchLike {
  const inner = createHttpFetch();
  return async (input, init) => {
    const response = await inner(input, init);
    if (!String(input instanceof Request ? input.url : input).endsWith("/content")) return response;
    return new Proxy(response, {
      get(target, property) {
        if (property === "text") return () => Promise.reject(new RangeError("Invalid string length"));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
}

describe("runBatch (OpenAI Batch API mode)", () => {
  it("merges a batch whose files cannot be read as one string (read as bytes, line by line)", async () => {
    const { input, output, generator, builder } = setup(6, false, noWholeFileStrings());
    server.batchPolls = 1;
    const summary = await runBatch({ builder, generator, input, output, pollIntervalMs: 5 });
    expect(summary).toMatchObject({ stoppedBy: "complete", failed: 0 });
    expect(summary.accepted + summary.rejected).toBe(6);
    expect(readRows<PreferenceRow>(output)).toHaveLength(summary.accepted);
  });

  it("uploads, creates, polls, downloads and merges into the journal", async () => {
    const { input, output, generator, builder } = setup(10);
    const batches = server.batches.size;
    const chats = server.chatRequests;
    const statuses: string[] = [];
    server.batchPolls = 2;
    const summary = await runBatch({
      builder,
      generator,
      input,
      output,
      pollIntervalMs: 5,
      onStatus: (_, status) => statuses.push(status),
    });
    expect(summary).toMatchObject({ stoppedBy: "complete", accepted: 8, rejected: 2, failed: 0 });
    expect(server.batches.size - batches).toBe(1);
    expect(server.chatRequests).toBe(chats);
    expect(statuses.at(-1)).toBe("completed");
    const rows = readRows<PreferenceRow>(output);
    expect(rows[0]?.chosen).toMatch(/\(revised\)$/);
    expect(readRows<RejectRow>(`${output}.rejects.jsonl`).map((row) => row.reason)).toEqual([
      "unparseable",
      "unparseable",
    ]);
    const uploaded = [...server.files.values()].find((text) => text.includes('"custom_id"')) ?? "";
    const request = JSON.parse(uploaded.split("\n")[0] ?? "{}") as {
      body: Record<string, unknown>;
      url: string;
    };
    expect(request.url).toBe("/v1/chat/completions");
    expect(request.body).toMatchObject({ model: "gpt-4", temperature: 0.7, max_tokens: 4096 });
    const events = readRows<{ event: string }>(`${output}.journal.jsonl`).map((event) => event.event);
    expect(events).toEqual(["batch-uploaded", "batch-created", "batch-merged"]);
    expect(readFileSync(`${output}.journal.jsonl`, "utf8")).not.toContain(KEY);
  });

  it("resumes the recorded batch after a stop instead of paying for a new one", async () => {
    const { input, output, generator, builder } = setup(6);
    server.batchPolls = 1000;
    const stop = new AbortController();
    const first = await runBatch({
      builder,
      generator,
      input,
      output,
      pollIntervalMs: 5,
      stop: stop.signal,
      onStatus: () => stop.abort(),
    });
    expect(first).toMatchObject({ stoppedBy: "stopped", accepted: 0 });
    const batches = server.batches.size;
    server.batchPolls = 0;
    const second = await runBatch({ builder, generator, input, output, pollIntervalMs: 5 });
    expect(second).toMatchObject({ stoppedBy: "complete", accepted: 5, rejected: 1 });
    expect(server.batches.size).toBe(batches);
    const third = await runBatch({ builder, generator, input, output, pollIntervalMs: 5 });
    expect(third).toMatchObject({ stoppedBy: "complete", accepted: 0, skipped: 6 });
    expect(server.batches.size).toBe(batches);
  });

  it("records rows rejected before any request while collecting, and batches only the others", async () => {
    const { dir, output, generator, builder } = setup(1);
    const rows = prompts(4, 100).map((row, i) => (i === 1 ? { ...row, response: " " } : row));
    const input = writeJsonl(join(dir, "some-empty.jsonl"), rows);
    server.batchPolls = 0;
    const summary = await runBatch({ builder, generator, input, output, pollIntervalMs: 5 });
    expect(summary).toMatchObject({ stoppedBy: "complete", accepted: 3, rejected: 1, failed: 0 });
    expect(readRows<RejectRow>(`${output}.rejects.jsonl`).map((row) => row.reason)).toEqual(["empty-answer"]);
    const uploaded = readRows<{ event: string; requests?: number }>(`${output}.journal.jsonl`)[0];
    expect(uploaded).toMatchObject({ event: "batch-uploaded", requests: 3 });
  });

  it("refuses rows that would need the policy model", async () => {
    const { dir, output, generator, builder } = setup(1, true);
    const input = writeJsonl(join(dir, "bare.jsonl"), [{ prompt: "p" }]);
    await expect(runBatch({ builder, generator, input, output })).rejects.toMatchObject({
      code: "BATCH_UNSUPPORTED",
    });
  });

  it("adopts a batch created before a crash kept it from being recorded", async () => {
    const { input, output, generator, builder } = setup(4);
    server.batchPolls = 0;
    // what a run leaves when killed between creating the batch and recording it
    const requests = readRows<{ prompt: string; response: string }>(input).map((row, i) => ({
      custom_id: `${rowKey(i + 1, row)}#0`,
      method: "POST",
      url: "/v1/chat/completions",
      body: generator.body({
        messages: renderPrompt(DEFAULT_REVISER_PROMPT, { instruction: row.prompt, response: row.response }),
      }),
    }));
    const file = await generator.client.files.create({
      file: await toFile(Buffer.from(requests.map((r) => `${JSON.stringify(r)}\n`).join("")), "in.jsonl"),
      purpose: "batch",
    });
    await generator.client.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    writeFileSync(
      `${output}.journal.jsonl`,
      `${JSON.stringify({ event: "batch-uploaded", inputFileId: file.id, requests: 4 })}\n`,
    );
    const batches = server.batches.size;
    const summary = await runBatch({ builder, generator, input, output, pollIntervalMs: 5 });
    expect(summary).toMatchObject({ stoppedBy: "complete", accepted: 4, rejected: 0 });
    expect(server.batches.size).toBe(batches);
  });
});
