import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PreferenceRow, RejectRow } from "../src/records.js";
import { rowKey } from "../src/run-dataset.js";
import { cliHarness, lineCount, waitFor } from "./cli-run.js";
import { prompts, readRows, tempDir, writeJsonl } from "./helpers.js";

const KEY = "sk-cli-secret-abcdefghijklmnopqrstuvwxyz";
const harness = cliHarness(KEY);
const { cli, inProcess } = harness;
const reviseArgs = harness.reviseArgs.bind(harness);

function expectExactlyOnce(input: string, output: string, rejects: string): void {
  const inputs = readRows<{ prompt: string }>(input);
  const outs = readRows<PreferenceRow>(output);
  const rejs = readRows<RejectRow>(rejects);
  const ids = [...outs, ...rejs].map((row) => row.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(new Set(ids)).toEqual(new Set(inputs.map((row, i) => rowKey(i + 1, row))));
  for (const row of [...outs, ...rejs]) expect(row.prompt).toBe(inputs[row.meta.line - 1]?.prompt);
  const expectedRejects = inputs.filter((row) => row.prompt.includes("#nomarker")).length;
  expect(rejs).toHaveLength(expectedRejects);
  for (const row of rejs) {
    expect(row.reason).toBe("unparseable");
    expect(row.detail).toMatch(/no-marker/);
  }
}

describe("clair CLI", () => {
  it("revises a file, writes rejects with reasons, prints progress and a summary, never the key", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(20));
    const output = join(dir, "out.jsonl");
    const result = await cli(reviseArgs(input, output, ["--reviser-price", "10,30"])).done;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/clair: complete/);
    expect(result.stderr).toMatch(/20\/20 done \(16 ok, 4 rejected, 0 failed\)/);
    expect(result.stderr).toMatch(/accepted {2}16/);
    expect(result.stderr).toMatch(/unparseable 4/);
    expectExactlyOnce(input, output, `${output}.rejects.jsonl`);
    for (const text of [
      result.stderr,
      readFileSync(output, "utf8"),
      readFileSync(`${output}.rejects.jsonl`, "utf8"),
    ]) {
      expect(text).not.toContain(KEY);
    }
  }, 30_000);

  it("names the missing flag and the bad input line", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(2));
    const missing = await inProcess([
      "revise",
      "--input",
      input,
      "--output",
      join(dir, "o.jsonl"),
      "--reviser-model",
      "m",
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--reviser-base-url");
    const badConcurrency = await inProcess(
      reviseArgs(input, join(dir, "o.jsonl"), ["--concurrency", "zero"]),
    );
    expect(badConcurrency.code).toBe(2);
    expect(badConcurrency.stderr).toContain("--concurrency");
    writeFileSync(input, '{"prompt":"a","response":"b"}\n{"prompt":"a" "response":"b"}\n');
    const bad = await inProcess(reviseArgs(input, join(dir, "o.jsonl")));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${input}:2`);
    const price = await inProcess(reviseArgs(input, join(dir, "o.jsonl"), ["--reviser-price", "ten,30"]));
    expect(price.code).toBe(2);
    expect(price.stderr).toContain("--reviser-price");
    const noJudge = await inProcess([
      "judge",
      "--input",
      input,
      "--output",
      join(dir, "j.jsonl"),
      "--mode",
      "off-policy",
    ]);
    expect(noJudge.code).toBe(2);
    expect(noJudge.stderr).toContain("--judge-model / --judge-base-url");
    const noPolicy = await inProcess([
      "revise",
      "--input",
      join(dir, "absent.jsonl"),
      "--output",
      join(dir, "o.jsonl"),
    ]);
    expect(noPolicy.code).toBe(2);
    expect(noPolicy.stderr).toContain("--reviser-base-url");
    const unknown = await inProcess(["revise", "--bogus"]);
    expect(unknown.code).toBe(2);
  }, 30_000);

  it("survives SIGKILL mid-run: the rerun leaves exactly one row per input", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(300));
    const output = join(dir, "out.jsonl");
    const rejects = `${output}.rejects.jsonl`;
    harness.server.latencyMs = 15;
    const first = cli(reviseArgs(input, output, ["--concurrency", "16"]));
    await waitFor(() => lineCount(output) >= 40);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    const partial = lineCount(output) + lineCount(rejects);
    expect(partial).toBeLessThan(300);
    harness.server.latencyMs = 0;
    const second = await inProcess(reviseArgs(input, output, ["--concurrency", "16"]));
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/skipped {3}\d+/);
    expectExactlyOnce(input, output, rejects);
  }, 60_000);

  it("stops on SIGINT after writing the rows in flight, and resumes", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(300));
    const output = join(dir, "out.jsonl");
    const rejects = `${output}.rejects.jsonl`;
    harness.server.latencyMs = 30;
    const before = harness.server.chatRequests;
    const first = cli(reviseArgs(input, output, ["--concurrency", "8"]));
    await waitFor(() => lineCount(output) >= 20);
    first.child.kill("SIGINT");
    const stopped = await first.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/finishing those in flight/);
    expect(stopped.stderr).toMatch(/clair: stopped/);
    // every request the server received before the stop was answered and its row written
    expect(lineCount(output) + lineCount(rejects)).toBe(harness.server.chatRequests - before);
    harness.server.latencyMs = 0;
    const second = await inProcess(reviseArgs(input, output, ["--concurrency", "8"]));
    expect(second.code).toBe(0);
    expectExactlyOnce(input, output, rejects);
  }, 60_000);

  it("builds an off-policy dataset by score and a judged one", async () => {
    const dir = tempDir();
    const rows = [
      {
        instruction: "q1",
        completions: [
          { response: "a", overall_score: 2 },
          { response: "b", overall_score: 8 },
        ],
      },
      {
        instruction: "q2 #judge2",
        completions: [
          { response: "c", overall_score: 5 },
          { response: "d", overall_score: 5 },
        ],
      },
    ];
    const input = writeJsonl(join(dir, "uf.jsonl"), rows);
    const byScore = await inProcess([
      "judge",
      "--mode",
      "off-policy",
      "--by",
      "score",
      "--input",
      input,
      "--output",
      join(dir, "s.jsonl"),
    ]);
    expect(byScore.code).toBe(0);
    expect(readRows(join(dir, "s.jsonl"))).toMatchObject([{ prompt: "q1", chosen: "b", rejected: "a" }]);
    expect(readRows(join(dir, "s.jsonl.rejects.jsonl"))).toMatchObject([
      { prompt: "q2 #judge2", reason: "tie" },
    ]);
    const judged = await inProcess([
      "judge",
      "--mode",
      "off-policy",
      "--input",
      input,
      "--output",
      join(dir, "j.jsonl"),
      "--judge-model",
      "gpt-4",
      "--judge-base-url",
      harness.server.url,
    ]);
    expect(judged.code).toBe(0);
    expect(readRows(join(dir, "j.jsonl"))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ prompt: "q1", chosen: "a" }),
        expect.objectContaining({ prompt: "q2 #judge2", chosen: "d" }),
      ]),
    );
  }, 30_000);

  it("builds a stronger-preferred dataset from two endpoints", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), [{ prompt: "p1" }, { prompt: "p2" }]);
    const output = join(dir, "out.jsonl");
    const result = await inProcess([
      "stronger",
      "--input",
      input,
      "--output",
      output,
      "--stronger-model",
      "gpt-4",
      "--stronger-base-url",
      harness.server.url,
      "--policy-model",
      "llama",
      "--policy-base-url",
      harness.server.url,
    ]);
    expect(result.code).toBe(0);
    expect(readRows(output)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ chosen: "answer 0 to p1 by gpt-4", rejected: "answer 0 to p1 by llama" }),
      ]),
    );
  }, 30_000);

  it("runs the Batch API mode and resumes from the journal", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(10));
    const output = join(dir, "out.jsonl");
    const batches = harness.server.batches.size;
    harness.server.batchPolls = 1;
    const result = await inProcess(reviseArgs(input, output, ["--batch", "--poll-ms", "10"]));
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/batch batch_\d+: completed/);
    expect(harness.server.batches.size - batches).toBe(1);
    expectExactlyOnce(input, output, `${output}.rejects.jsonl`);
    expect(readRows<{ event: string }>(`${output}.journal.jsonl`).map((e) => e.event)).toEqual([
      "batch-uploaded",
      "batch-created",
      "batch-merged",
    ]);
  }, 30_000);
});
