import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PreferenceRow, RejectRow } from "../src/records.js";
import { rowKey } from "../src/run-dataset.js";
import { cliHarness, lineCount, waitFor } from "./cli-run.js";
import { prompts, readRows, tempDir, writeJsonl } from "./helpers.js";

// The clair CLI under faults: two writers on one output, a server refusing every request for its own
// configuration, an endpoint that is down, a 1.5 GB answer, bad input bytes, Ctrl-C during a long backoff.

const KEY = "sk-reliability-secret-abcdefghijklmnop";
const harness = cliHarness(KEY, 60_000);
const { cli, inProcess } = harness;
const reviseArgs = harness.reviseArgs.bind(harness);

/** Every input row exactly once in output + rejects. */
function expectEachRowOnce(input: string, output: string): void {
  const inputs = readRows<{ prompt: string }>(input);
  const ids = [...readRows<PreferenceRow>(output), ...readRows<RejectRow>(`${output}.rejects.jsonl`)].map(
    (row) => row.id,
  );
  expect(ids).toHaveLength(inputs.length);
  expect(new Set(ids)).toEqual(new Set(inputs.map((row, i) => rowKey(i + 1, row))));
}

describe("one writer per output", () => {
  it("a second run on the same output exits non-zero at once, before any request; no row is doubled", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(400));
    const output = join(dir, "out.jsonl");
    harness.server.latencyMs = 100;
    const first = cli(reviseArgs(input, output, ["--concurrency", "4"]));
    await waitFor(() => lineCount(output) >= 5);
    const started = Date.now();
    const second = await cli(reviseArgs(input, output, ["--concurrency", "4"], "second-writer")).done;
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`${output}.lock: another run writes this output (pid ${first.child.pid}`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(harness.server.requestsByModel.get("second-writer")).toBeUndefined();
    harness.server.latencyMs = 0;
    const finished = await first.done;
    expect(finished.code).toBe(0);
    expectEachRowOnce(input, output);
    expect(existsSync(`${output}.lock`)).toBe(false);
  }, 60_000);

  it("takes over the lock of a run that died, saying so, and refuses one held from another host", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(5));
    const output = join(dir, "out.jsonl");
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    const lock = { pid: gone, host: hostname(), started: "2025-01-01T00:00:00.000Z" };
    writeFileSync(`${output}.lock`, JSON.stringify(lock));
    const taken = await inProcess(reviseArgs(input, output));
    expect(taken.code).toBe(0);
    expect(taken.stderr).toContain(`taking over a stale lock of pid ${gone}`);
    expect(existsSync(`${output}.lock`)).toBe(false);
    expectEachRowOnce(input, output);

    writeFileSync(`${output}.lock`, JSON.stringify({ ...lock, host: "elsewhere" }));
    const before = harness.server.chatRequests;
    const refused = await inProcess(reviseArgs(input, output, ["--retry-rejects"]));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /another run writes this output \(pid \d+ on elsewhere.*\), on another host/,
    );
    expect(harness.server.chatRequests).toBe(before);
    expect(existsSync(`${output}.lock`)).toBe(true);
  }, 30_000);
});

describe("a server refusing requests for its own configuration", () => {
  it("stops the run with one message naming cause and fix, exits non-zero, and leaves the rows for the next run", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(30, 1000));
    const output = join(dir, "out.jsonl");
    // What `apo serve` answers when the prompt does not fit the model's context (`apo init-model`'s 128).
    const body = JSON.stringify({
      error: {
        message: "sequence has 211 tokens but the model's context is 128; truncate the prompt or completion",
        type: "invalid_request_error",
        param: "messages",
        code: "context_length_exceeded",
      },
    });
    for (let i = 0; i < 200; i++) harness.server.faults.push({ kind: "status", status: 400, body });
    const before = harness.server.chatRequests;
    const failed = await inProcess(reviseArgs(input, output, ["--concurrency", "4"]));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("the prompt and max_tokens do not fit the model's context");
    expect(failed.stderr).toContain("Fix: serve the model with a longer context (apo init-model --context");
    expect(failed.stderr.match(/because of its configuration/g)).toHaveLength(1);
    expect(harness.server.chatRequests - before).toBeLessThanOrEqual(8);
    expect(lineCount(output) + lineCount(`${output}.rejects.jsonl`)).toBe(0);

    harness.server.faults.length = 0;
    const fixed = await inProcess(reviseArgs(input, output));
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toMatch(/accepted {2}30/);
    expectEachRowOnce(input, output);
  }, 30_000);

  it("--retry-rejects builds the rejected rows again, keeping their old records aside", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(6, 1000));
    const output = join(dir, "out.jsonl");
    const rejects = `${output}.rejects.jsonl`;
    const body = JSON.stringify({ error: { message: "this prompt was flagged", code: "content_filter" } });
    for (let i = 0; i < 2; i++) harness.server.faults.push({ kind: "status", status: 400, body });
    const first = await inProcess(reviseArgs(input, output, ["--concurrency", "1"]));
    expect(first.code).toBe(0);
    expect(readRows<RejectRow>(rejects).map((row) => row.reason)).toEqual([
      "request-refused",
      "request-refused",
    ]);
    const again = await inProcess(reviseArgs(input, output));
    expect(again.stderr).toMatch(/skipped {3}6/);

    const before = harness.server.chatRequests;
    const retried = await inProcess(reviseArgs(input, output, ["--retry-rejects"]));
    expect(retried.code).toBe(0);
    expect(retried.stderr).toContain(
      `retrying 2 rejected row(s); their records moved to ${rejects}.retried.jsonl`,
    );
    expect(harness.server.chatRequests - before).toBe(2);
    expect(lineCount(rejects)).toBe(0);
    expect(lineCount(`${rejects}.retried.jsonl`)).toBe(2);
    expect(readRows(output)).toHaveLength(6);
    expectEachRowOnce(input, output);
  }, 30_000);
});

describe("an endpoint that is down", () => {
  it("prints one retry line per cause per interval, and no listener warning at the default concurrency", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(64, 1000));
    const output = join(dir, "out.jsonl");
    harness.server.latencyMs = 10;
    for (let i = 0; i < 300; i++) harness.server.faults.push({ kind: "status", status: 503 });
    const run = await cli(reviseArgs(input, output, ["--max-retries", "60", "--retry-max-ms", "20"])).done;
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain("MaxListenersExceededWarning");
    const lines = run.stderr.split("\n").filter((line) => line.includes("503"));
    expect(lines[0]).toMatch(/^clair: retry 1 in \d+ ms: 503 injected 503/);
    expect(lines.length).toBeLessThanOrEqual(3);
    const counted = lines.slice(1).map((line) => Number(/(\d+) more retr/.exec(line)?.[1] ?? 0));
    expect(1 + counted.reduce((a, b) => a + b, 0)).toBe(300);
    expectEachRowOnce(input, output);
  }, 60_000);

  it("the first Ctrl-C ends a long Retry-After wait at once; the rows are built by the next run", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(8, 1000));
    const output = join(dir, "out.jsonl");
    for (let i = 0; i < 2; i++)
      harness.server.faults.push({ kind: "status", status: 503, headers: { "retry-after": "300" } });
    const run = cli(reviseArgs(input, output, ["--concurrency", "4"]));
    await waitFor(() => /retry 1 in 300 s/.test(run.stderr())).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${run.stderr()}`);
    });
    await waitFor(() => lineCount(output) >= 6);
    const interrupted = Date.now();
    run.child.kill("SIGINT");
    const stopped = await run.done;
    expect(Date.now() - interrupted).toBeLessThan(5000);
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/clair: stopped/);
    expect(lineCount(output)).toBe(6);
    const resumed = await inProcess(reviseArgs(input, output));
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/skipped {3}6/);
    expectEachRowOnce(input, output);
  }, 60_000);
});

describe("bounded inputs", () => {
  it("aborts a 1.5 GB answer once past --max-response-mib, without holding it", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(3, 1000));
    const output = join(dir, "out.jsonl");
    harness.server.faults.push({ kind: "huge", bytes: 1.5e9 });
    const sentBefore = harness.server.hugeBytesSent;
    const started = Date.now();
    const run = await inProcess(reviseArgs(input, output, ["--max-response-mib", "1", "--concurrency", "1"]));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("the response is larger than 1 MiB");
    expect(run.stderr).toContain("--max-response-mib");
    expect(harness.server.hugeBytesSent - sentBefore).toBeLessThan(32 * 2 ** 20);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(lineCount(`${output}.rejects.jsonl`)).toBe(0);
  }, 30_000);

  it("checks every row before the first request: a missing response, bytes that are not UTF-8", async () => {
    const dir = tempDir();
    const output = join(dir, "out.jsonl");
    const input = join(dir, "in.jsonl");
    writeFileSync(input, '{"prompt":"a","response":"b"}\n{"prompt":"c","response":"d"}\n{"prompt":"e"}\n');
    const before = harness.server.chatRequests;
    const missing = await inProcess(reviseArgs(input, output));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${input}:3: field "response": absent`);
    expect(missing.stderr).toContain("--policy-model");
    writeFileSync(
      input,
      Buffer.concat([
        Buffer.from('{"prompt":"a","response":"b"}\n{"prompt":"caf'),
        Buffer.from([0xe9]),
        Buffer.from('","response":"d"}\n'),
      ]),
    );
    const latin1 = await inProcess(reviseArgs(input, output));
    expect(latin1.code).toBe(1);
    expect(latin1.stderr).toContain(`${input}:2: not valid UTF-8 (byte 15 of the line)`);
    writeFileSync(input, `{"prompt":"${"x".repeat(3 * 2 ** 20)}","response":"y"}\n`);
    const long = await inProcess(reviseArgs(input, output, ["--max-line-mib", "2"]));
    expect(long.code).toBe(1);
    expect(long.stderr).toContain(`${input}:1: the line is longer than 2 MiB`);
    expect(harness.server.chatRequests).toBe(before);
    expect(lineCount(output)).toBe(0);

    writeFileSync(input, '\ufeff{"prompt":"a","response":"b"}\n');
    const bom = await inProcess(reviseArgs(input, output));
    expect(bom.code).toBe(0);
    expect(readRows<PreferenceRow>(output)[0]?.prompt).toBe("a");
    expect(readFileSync(output, "utf8")).not.toContain(KEY);
  }, 30_000);
});

describe("help and typos", () => {
  it.each([
    [["--help"]],
    [["-h"]],
    [["help", "judge"]],
    [["revise", "--help"]],
    [["revise", "-h"]],
    [["judge", "-h"]],
    [["stronger", "--help"]],
    [["anchor", "--help"]],
    [["help", "anchor"]],
    [["eval", "-h"]],
    [["help", "eval"]],
  ])("clair %j prints help with an example", async (args) => {
    const result = await inProcess(args);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nexample:\n {2}.*clair /);
    if (args.includes("revise")) expect(result.stdout).toMatch(/^clair revise: CLAIR pairs/);
    if (args.includes("anchor")) expect(result.stdout).toMatch(/^clair anchor: fill each pair's "anchor"/);
    if (args.includes("eval")) expect(result.stdout).toMatch(/^clair eval: pairwise evaluation/);
  });

  it("suggests the nearest flag or command", async () => {
    const flag = await inProcess(["revise", "--reviser-modle", "gpt-4"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain(
      "clair revise: unknown option --reviser-modle (did you mean --reviser-model?); see clair revise --help",
    );
    expect((await inProcess(["revise", "--modle", "gpt-4"])).stderr).toContain(
      "did you mean --reviser-model?",
    );
    expect((await inProcess(["judge", "--mdoe", "off-policy"])).stderr).toContain("did you mean --mode?");
    expect((await inProcess(["stronger", "--max-token", "9"])).stderr).toContain(
      "did you mean --stronger-max-tokens?",
    );
    expect((await inProcess(["eval", "--answer-regx", "x"])).stderr).toContain(
      "did you mean --answer-regex?",
    );
    expect((await inProcess(["anchor", "--tei", "zero"])).stderr).toContain("did you mean --tie?");
    expect((await inProcess(["eval", "--candidate-modle", "m"])).stderr).toContain(
      "did you mean --candidate-model?",
    );
    expect((await inProcess(["revise", "--bogus"])).stderr).not.toContain("did you mean");
    const command = await inProcess(["revse"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "revse" (did you mean revise?)');
    expect((await inProcess(["evl"])).stderr).toContain('unknown command "evl" (did you mean eval?)');
  });
});
