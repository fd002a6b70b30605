import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { prompts, readRows, tempDir, writeJsonl } from "../test/helpers.js";
import { startTestServer, type TestServer } from "../test/server.js";
import { createClairBuilder } from "./clair.js";
import { EndpointError, InputSyntaxError, InvalidFieldError } from "./errors.js";
import { createOffPolicyJudgeBuilder } from "./off-policy-judge.js";
import { createOpenAIGenerator } from "./openai-generator.js";
import type { PreferenceRow, RejectRow } from "./records.js";
import { costOf, rowKey, runDataset } from "./run-dataset.js";
import { createTemplateReviser } from "./template-roles.js";

const KEY = "sk-run-secret-abcdefghijklmnop";
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.faults.length = 0;
  server.latencyMs = 0;
});

function clair(maxRetries = 2) {
  const generator = createOpenAIGenerator(
    { baseURL: server.url, model: "gpt-4", apiKeyEnv: "K", timeoutMs: 2000 },
    { env: { K: KEY }, retry: { maxRetries, baseDelayMs: 1, maxDelayMs: 5 } },
  );
  return createClairBuilder({ reviser: createTemplateReviser(generator) });
}

function setup(count: number) {
  const dir = tempDir();
  const input = writeJsonl(join(dir, "in.jsonl"), prompts(count));
  const output = join(dir, "out.jsonl");
  return { dir, input, output, rejects: `${output}.rejects.jsonl`, failures: `${output}.failures.jsonl` };
}

function expectExactlyOnce(input: string, output: string, rejects: string): void {
  const inputs = readRows<{ prompt: string }>(input);
  const outs = readRows<PreferenceRow>(output);
  const rejs = readRows<RejectRow>(rejects);
  const ids = [...outs, ...rejs].map((row) => row.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(inputs.length);
  expect(new Set(ids)).toEqual(new Set(inputs.map((row, i) => rowKey(i + 1, row))));
  for (const row of [...outs, ...rejs]) expect(row.prompt).toBe(inputs[row.meta.line - 1]?.prompt);
  for (const row of rejs) expect(row.detail.length).toBeGreaterThan(0);
}

describe("runDataset", () => {
  it("writes every row once, rejects with reasons, and a rerun pays for nothing", async () => {
    const { input, output, rejects } = setup(40);
    const first = await runDataset({ builder: clair(), input, output, concurrency: 8 });
    expect(first).toMatchObject({ stoppedBy: "complete", accepted: 32, rejected: 8, failed: 0, total: 40 });
    expect(first.rejectedByReason).toEqual({ unparseable: 8 });
    expectExactlyOnce(input, output, rejects);
    const requests = server.chatRequests;
    const second = await runDataset({ builder: clair(), input, output, concurrency: 8 });
    expect(second).toMatchObject({ stoppedBy: "complete", skipped: 40, accepted: 0 });
    expect(server.chatRequests).toBe(requests);
    expect(readFileSync(output, "utf8")).not.toContain(KEY);
  });

  it("records failures and retries only them on the next run", async () => {
    const { input, output, rejects, failures } = setup(10);
    for (let i = 0; i < 3; i++) server.faults.push({ kind: "status", status: 503 });
    const first = await runDataset({ builder: clair(0), input, output, concurrency: 1 });
    expect(first).toMatchObject({ stoppedBy: "failures", failed: 3, accepted: 5, rejected: 2 });
    expect(readRows(failures)).toHaveLength(3);
    expect(readFileSync(failures, "utf8")).not.toContain(KEY);
    const requests = server.chatRequests;
    const second = await runDataset({ builder: clair(0), input, output, concurrency: 4 });
    expect(second).toMatchObject({ stoppedBy: "complete", skipped: 7, accepted: 3, rejected: 0, failed: 0 });
    expect(server.chatRequests - requests).toBe(3);
    expect(readRows(failures)).toHaveLength(0);
    expectExactlyOnce(input, output, rejects);
  });

  it("stops after too many failures in a row", async () => {
    const { input, output } = setup(30);
    for (let i = 0; i < 100; i++) server.faults.push({ kind: "status", status: 500 });
    const summary = await runDataset({
      builder: clair(0),
      input,
      output,
      concurrency: 1,
      maxConsecutiveFailures: 5,
    });
    expect(summary).toMatchObject({ stoppedBy: "failures", failed: 5, accepted: 0 });
  });

  it("rejects a row the endpoint refuses (400) and aborts on bad credentials (401)", async () => {
    const { input, output, rejects } = setup(3);
    server.faults.push({ kind: "status", status: 400, body: '{"error":{"message":"context too long"}}' });
    const summary = await runDataset({ builder: clair(), input, output, concurrency: 1 });
    expect(summary.rejectedByReason).toMatchObject({ "request-refused": 1 });
    expect(readRows<RejectRow>(rejects)[0]?.detail).toContain("context too long");

    const again = setup(3);
    server.faults.push({ kind: "status", status: 401 });
    const error = await runDataset({ builder: clair(), ...again, concurrency: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointError);
    expect((error as EndpointError).status).toBe(401);
    expect(readRows(again.output)).toHaveLength(0);
  });

  it("stops gracefully: rows in flight finish and are written, the rest resume", async () => {
    const { input, output, rejects } = setup(50);
    server.latencyMs = 20;
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const first = await runDataset({ builder: clair(), input, output, concurrency: 4, stop: stop.signal });
    expect(first.stoppedBy).toBe("stopped");
    expect(first.accepted + first.rejected).toBeGreaterThan(0);
    expect(first.accepted + first.rejected).toBeLessThan(50);
    expect(first.inFlight).toBe(0);
    server.latencyMs = 0;
    const second = await runDataset({ builder: clair(), input, output, concurrency: 4 });
    expect(second.stoppedBy).toBe("complete");
    expectExactlyOnce(input, output, rejects);
  });

  it("aborts hard: requests in flight are cancelled and redone by the next run", async () => {
    const { input, output, rejects } = setup(20);
    server.latencyMs = 200;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const start = performance.now();
    const first = await runDataset({
      builder: clair(),
      input,
      output,
      concurrency: 4,
      signal: controller.signal,
    });
    expect(performance.now() - start).toBeLessThan(180);
    expect(first).toMatchObject({ stoppedBy: "aborted", accepted: 0 });
    server.latencyMs = 0;
    await runDataset({ builder: clair(), input, output, concurrency: 4 });
    expectExactlyOnce(input, output, rejects);
  });

  it("stops at the token budget and estimates cost", async () => {
    const { input, output, rejects } = setup(30);
    const prices = { "gpt-4": { inputPerMillion: 10_000, outputPerMillion: 30_000 } };
    const first = await runDataset({
      builder: clair(),
      input,
      output,
      concurrency: 1,
      budget: { maxTokens: 100 },
      prices,
    });
    expect(first.stoppedBy).toBe("budget");
    expect(first.accepted + first.rejected).toBe(7); // 15 tokens a row: the 7th crosses 100
    expect(first.costUsd).toBeCloseTo(7 * costOf({ promptTokens: 10, completionTokens: 5 }, prices["gpt-4"]));
    const second = await runDataset({
      builder: clair(),
      input,
      output,
      concurrency: 4,
      budget: { maxCostUsd: 1e9 },
    });
    expect(second.stoppedBy).toBe("complete");
    expectExactlyOnce(input, output, rejects);
  });

  it("repairs a torn last line left by a crash", async () => {
    const { input, output, rejects } = setup(6);
    await runDataset({ builder: clair(), input, output, concurrency: 2 });
    const lines = readFileSync(output, "utf8").split("\n").filter(Boolean);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(output, `${lines.slice(0, -1).join("\n")}\n${lines.at(-1)?.slice(0, 30)}`);
    const again = await runDataset({ builder: clair(), input, output, concurrency: 2 });
    expect(again.accepted).toBe(1);
    expectExactlyOnce(input, output, rejects);
  });

  it("refuses a journal with a corrupt line in the middle", async () => {
    const { input, output } = setup(2);
    appendFileSync(output, "garbage\n");
    await expect(runDataset({ builder: clair(), input, output })).rejects.toMatchObject({
      code: "JOURNAL_CORRUPT",
      line: 1,
    });
  });

  it("reports a malformed input line or a missing field before any request", async () => {
    const { dir, output } = setup(1);
    const bad = join(dir, "bad.jsonl");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(bad, '{"prompt":"a","response":"b"}\n{"prompt": nope}\n');
    const requests = server.chatRequests;
    const syntax = await runDataset({ builder: clair(), input: bad, output }).catch((e: unknown) => e);
    expect(syntax).toBeInstanceOf(InputSyntaxError);
    expect(syntax).toMatchObject({ line: 2 });
    writeFileSync(bad, '{"prompt":"a","response":"b"}\n\n{"response":"b"}\n');
    const missing = await runDataset({ builder: clair(), input: bad, output }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InvalidFieldError);
    expect(missing).toMatchObject({ field: "prompt", line: 3 });
    writeFileSync(
      bad,
      '{"completions":[{"response":"a","overall_score":1},{"response":"b","overall_score":2}]}\n',
    );
    const offPolicy = createOffPolicyJudgeBuilder({ by: "score" });
    await expect(runDataset({ builder: offPolicy, input: bad, output })).rejects.toMatchObject({
      field: "prompt",
      line: 1,
    });
    expect(server.chatRequests).toBe(requests);
  });

  it("reports progress", async () => {
    const { input, output } = setup(5);
    const seen: number[] = [];
    await runDataset({
      builder: clair(),
      input,
      output,
      onProgress: (progress) => seen.push(progress.accepted + progress.rejected),
    });
    expect(seen.at(-1)).toBe(5);
  });
});
