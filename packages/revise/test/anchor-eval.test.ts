import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AnchoredRow } from "../src/anchor-builder.js";
import type { EvalResultRow } from "../src/eval-builder.js";
import type { EvalReport } from "../src/eval-report.js";
import type { RejectRow } from "../src/records.js";
import { rowKey } from "../src/run-dataset.js";
import { cliHarness } from "./cli-run.js";
import { readRows, tempDir, writeJsonl } from "./helpers.js";

// `clair anchor` and `clair eval` end to end: the CLI in this process, the real `openai` client, the fake
// endpoint of test/server.ts playing the policy, the candidate, the baseline and the judge (steered by
// directives in the prompts: #prefer:TEXT, #flaky, #neither).

const KEY = "sk-anchor-eval-secret-abcdefghijklmnop";
const harness = cliHarness(KEY, 60_000);
const { inProcess } = harness;

function judgeFlags(): string[] {
  return ["--judge-model", "gpt-4", "--judge-base-url", harness.server.url, "--retry-base-ms", "1"];
}

function evalArgs(input: string, output: string, extra: string[] = []): string[] {
  const url = harness.server.url;
  return [
    "eval",
    "--input",
    input,
    "--output",
    output,
    "--candidate-model",
    "cand",
    "--candidate-base-url",
    url,
    "--baseline-model",
    "base",
    "--baseline-base-url",
    url,
    "--concurrency",
    "4",
    ...judgeFlags(),
    ...extra,
  ];
}

/** Every input row exactly once in output + rejects. */
function expectEachRowOnce(input: string, output: string): void {
  const inputs = readRows(input);
  const ids = [...readRows<{ id: string }>(output), ...readRows<RejectRow>(`${output}.rejects.jsonl`)].map(
    (row) => row.id,
  );
  expect(ids).toHaveLength(inputs.length);
  expect(new Set(ids)).toEqual(new Set(inputs.map((row, i) => rowKey(i + 1, row))));
}

describe("clair anchor", () => {
  const pairs = [
    { id: 1, prompt: "q1 #prefer:great", chosen: "an answer, great", rejected: "x", response: "meh" },
    { prompt: "q2 #prefer:llama", chosen: "weak", rejected: "x" },
    { prompt: "q3", chosen: "a", rejected: "b", response: "c" },
    { prompt: "q4 #neither", chosen: "a", rejected: "b", response: "c" },
    { prompt: "q5 #flaky #prefer:great", chosen: "yes, great", rejected: "b", response: "c" },
  ];

  it("anchors each pair by the judge in both orders, samples missing answers, reports and resumes", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "pairs.jsonl"), pairs);
    const output = join(dir, "anchored.jsonl");
    const args = [
      "anchor",
      "--input",
      input,
      "--output",
      output,
      "--tie",
      "zero",
      "--policy-model",
      "llama",
      "--policy-base-url",
      harness.server.url,
      ...judgeFlags(),
    ];
    const before = harness.server.chatRequests;
    const result = await inProcess(args);
    expect(result.code).toBe(0);
    // 2 judge calls a row, the sampled answer, 2 retries of #flaky, 4 calls of #neither
    expect(harness.server.chatRequests - before).toBe(3 * 2 + 1 + 4 + 4);
    const rows = readRows<AnchoredRow>(output);
    const byPrompt = Object.fromEntries(rows.map((row) => [row.prompt, row]));
    expect(byPrompt["q1 #prefer:great"]).toMatchObject({
      anchor: "zero",
      response: "meh",
      meta: { verdict: "chosen", inputId: 1 },
    });
    expect(byPrompt["q2 #prefer:llama"]).toMatchObject({
      anchor: "down",
      meta: { verdict: "model", raw: { policy: "answer 0 to q2 #prefer:llama by llama" } },
    });
    expect(byPrompt.q3).toMatchObject({ anchor: "zero", meta: { verdict: "split" } });
    expect(byPrompt["q5 #flaky #prefer:great"]).toMatchObject({ anchor: "zero", meta: { unparseable: 2 } });
    expect(readRows<RejectRow>(`${output}.rejects.jsonl`)).toMatchObject([
      { prompt: "q4 #neither", reason: "unparseable", meta: { unparseable: 4 } },
    ]);
    expect(result.stderr).toContain("anchors   zero 3, down 1, weighted 0");
    expect(result.stderr).toContain("judge replies naming neither answer: 6");
    expect(result.stderr).toMatch(/unparseable 1/);
    expectEachRowOnce(input, output);
    expect(readFileSync(output, "utf8")).not.toContain(KEY);

    const again = await inProcess(args);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/skipped {3}5/);
    expect(harness.server.chatRequests - before).toBe(15);
    expect(again.stderr).toContain("anchors   zero 3, down 1");
  }, 30_000);

  it("names the file, line and field a pair lacks before any request", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "pairs.jsonl"), [pairs[0], pairs[2], { prompt: "q", rejected: "r" }]);
    const before = harness.server.chatRequests;
    const noChosen = await inProcess([
      "anchor",
      "--input",
      input,
      "--output",
      join(dir, "o.jsonl"),
      ...judgeFlags(),
    ]);
    expect(noChosen.code).toBe(1);
    expect(noChosen.stderr).toContain(`${input}:3: field "chosen"`);
    writeJsonl(input, [pairs[0], pairs[1]]);
    const noAnswer = await inProcess([
      "anchor",
      "--input",
      input,
      "--output",
      join(dir, "o.jsonl"),
      ...judgeFlags(),
    ]);
    expect(noAnswer.code).toBe(1);
    expect(noAnswer.stderr).toContain(`${input}:2: field "response": absent`);
    expect(harness.server.chatRequests).toBe(before);
    const noJudge = await inProcess(["anchor", "--input", input, "--output", join(dir, "o.jsonl")]);
    expect(noJudge.code).toBe(2);
    expect(noJudge.stderr).toContain("--judge-model / --judge-base-url");
    const badTie = await inProcess([
      "anchor",
      "--input",
      input,
      "--output",
      join(dir, "o.jsonl"),
      "--tie",
      "sideways",
      ...judgeFlags(),
    ]);
    expect(badTie.code).toBe(2);
    expect(badTie.stderr).toContain("--tie");
  }, 30_000);

  it("anchors from reference log-probs without a judge (--anchor-from margin)", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "pairs.jsonl"), [
      { prompt: "p1", chosen: "c", rejected: "r" },
      { prompt: "p2", chosen: "c", rejected: "r" },
    ]);
    const ref = writeJsonl(join(dir, "ref.jsonl"), [
      { chosen_logp: -10, rejected_logp: -40, chosen_tokens: 10, rejected_tokens: 10 },
      { chosen_logp: -40, rejected_logp: -10, chosen_tokens: 10, rejected_tokens: 10 },
    ]);
    const output = join(dir, "anchored.jsonl");
    const before = harness.server.chatRequests;
    const args = [
      "anchor",
      "--anchor-from",
      "margin",
      "--input",
      input,
      "--logprobs",
      ref,
      "--output",
      output,
    ];
    const result = await inProcess(args);
    expect(result.code).toBe(0);
    expect(harness.server.chatRequests).toBe(before);
    expect(readRows<AnchoredRow>(output).map((row) => [row.prompt, row.anchor, row.meta.margin])).toEqual(
      expect.arrayContaining([
        ["p1", "down", 3],
        ["p2", "zero", -3],
      ]),
    );
    const missing = await inProcess([
      "anchor",
      "--anchor-from",
      "margin",
      "--input",
      input,
      "--output",
      join(dir, "m.jsonl"),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${input}:1: field "chosen_logp": absent`);
  }, 30_000);
});

describe("clair eval", () => {
  // 10 won, 10 lost, 10 split (tie), 5 won after a retry in each order, 5 rejected (unparseable)
  const prompts = [
    ...Array.from({ length: 10 }, (_, i) => ({ prompt: `win ${i} #prefer:cand` })),
    ...Array.from({ length: 10 }, (_, i) => ({ prompt: `loss ${i} #prefer:base` })),
    ...Array.from({ length: 10 }, (_, i) => ({ prompt: `tie ${i}` })),
    ...Array.from({ length: 5 }, (_, i) => ({ prompt: `flaky ${i} #flaky #prefer:cand` })),
    ...Array.from({ length: 5 }, (_, i) => ({ prompt: `neither ${i} #neither` })),
  ];

  it("judges both orders, reports win, tie and LC win rates with intervals, and resumes a stopped run", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "heldout.jsonl"), prompts);
    const output = join(dir, "eval.jsonl");
    const before = harness.server.chatRequests;
    // 60 tokens a plain row: the budget stops the first run part way
    const first = await inProcess(
      evalArgs(input, output, ["--max-tokens-budget", "600", "--concurrency", "1"]),
    );
    expect(first.code).toBe(3);
    expect(first.stderr).toContain("run the same command again to resume");
    const partial = JSON.parse(readFileSync(`${output}.report.json`, "utf8")) as EvalReport;
    expect(partial.pairs).toBeGreaterThan(0);
    expect(partial.pairs).toBeLessThan(35);

    const second = await inProcess(evalArgs(input, output));
    expect(second.code).toBe(0);
    expectEachRowOnce(input, output);
    // no row was paid for twice: 30 rows × 4 requests, 5 × 6 (two retries), 5 × 6 (2 samples + 4 judge calls)
    expect(harness.server.chatRequests - before).toBe(30 * 4 + 5 * 6 + 5 * 6);

    const report = JSON.parse(readFileSync(`${output}.report.json`, "utf8")) as EvalReport;
    expect(report).toMatchObject({
      mode: "judge",
      models: { candidate: "cand", baseline: "base", judge: "gpt-4" },
      pairs: 35,
      rejected: { unparseable: 5 },
      unparseableReplies: 5 * 2 + 5 * 4,
      stats: { wins: 15, ties: 10, losses: 10, bootstrap: { resamples: 1000, seed: 0, level: 0.95 } },
    });
    expect(report.stats.winRate.value).toBeCloseTo(20 / 35, 12);
    expect(report.stats.tieRate.value).toBeCloseTo(10 / 35, 12);
    expect(report.stats.winRate.low).toBeLessThan(20 / 35);
    expect(report.stats.winRate.high).toBeGreaterThan(20 / 35);
    // "by cand" and "by base": every pair's answers are equally long, so the LC rate is the win rate
    expect(report.candidateLonger).toBe(0);
    expect(report.stats.lcWinRate.value).toBe(report.stats.winRate.value);
    expect(second.stdout).toContain("| win rate (ties count half) | 57.1 % |");
    expect(second.stdout).toContain("| length-controlled win rate |");
    expect(second.stdout).toContain(
      "35 pairs: 15 won, 10 tied, 10 lost; 5 unparseable rejected (not counted).",
    );
    expect(second.stdout).toContain("Judge replies naming neither answer: 30");
    expect(second.stdout).not.toContain("Warning");
    expect(readFileSync(`${output}.report.md`, "utf8")).toBe(second.stdout);
    const rows = readRows<EvalResultRow>(output);
    expect(rows.find((row) => row.prompt === "win 0 #prefer:cand")).toMatchObject({
      preference: 1,
      outcome: "win",
      meta: { votes: ["candidate", "candidate"] },
    });
    expect(readFileSync(output, "utf8")).not.toContain(KEY);

    // the same seed gives the same intervals; another seed other ones
    const same = await inProcess(evalArgs(input, output, ["--json", join(dir, "same.json")]));
    expect(JSON.parse(readFileSync(join(dir, "same.json"), "utf8"))).toEqual(report);
    await inProcess(
      evalArgs(input, output, ["--seed", "9", "--bootstrap", "200", "--json", join(dir, "other.json")]),
    );
    const other = JSON.parse(readFileSync(join(dir, "other.json"), "utf8")) as EvalReport;
    expect(other.stats.bootstrap).toEqual({ resamples: 200, seed: 9, level: 0.95 });
    expect(other.stats.winRate.value).toBe(report.stats.winRate.value);
    expect(same.code).toBe(0);
  }, 60_000);

  it("scores verifiable answers with --answer-regex, no judge", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "math.jsonl"), [
      { prompt: "a", answer: "42" },
      { prompt: "b", answer: 42 },
      { prompt: "c", answer: "41" },
      { prompt: "d", answer: "7" },
    ]);
    const output = join(dir, "eval.jsonl");
    const url = harness.server.url;
    const args = [
      "eval",
      "--input",
      input,
      "--output",
      output,
      "--candidate-model",
      "m42",
      "--candidate-base-url",
      url,
      "--baseline-model",
      "m41",
      "--baseline-base-url",
      url,
      "--answer-regex",
      "by m(\\d+)",
    ];
    const before = harness.server.requestsByModel.get("gpt-4") ?? 0;
    const result = await inProcess(args);
    expect(result.code).toBe(0);
    expect(harness.server.requestsByModel.get("gpt-4") ?? 0).toBe(before);
    const report = JSON.parse(readFileSync(`${output}.report.json`, "utf8")) as EvalReport;
    expect(report).toMatchObject({ mode: "verifiable", pairs: 4, stats: { wins: 2, ties: 1, losses: 1 } });
    expect(report.stats.means.candidateScore?.value).toBe(0.5);
    expect(report.stats.means.baselineScore?.value).toBe(0.25);
    expect(result.stdout).toContain("| candidate accuracy | 50.0 % |");
    expect(result.stdout).toContain("Verifiable answers");

    writeJsonl(input, [{ prompt: "a", answer: "42" }, { prompt: "b" }]);
    const requests = harness.server.chatRequests;
    const missing = await inProcess([...args.slice(0, 4), join(dir, "m.jsonl"), ...args.slice(5)]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${input}:2: field "answer": absent`);
    expect(harness.server.chatRequests).toBe(requests);
    const badRegex = await inProcess([...args.slice(0, -1), "(unclosed"]);
    expect(badRegex.code).toBe(2);
    expect(badRegex.stderr).toContain("--answer-regex");
    expect(existsSync(join(dir, "m.jsonl.report.json"))).toBe(false);
  }, 30_000);

  it("needs a judge or a pattern, and the answers or their endpoints", async () => {
    const dir = tempDir();
    const input = writeJsonl(join(dir, "p.jsonl"), [{ prompt: "a" }]);
    const noJudge = await inProcess(["eval", "--input", input, "--output", join(dir, "o.jsonl")]);
    expect(noJudge.code).toBe(2);
    expect(noJudge.stderr).toContain("--judge-model / --judge-base-url");
    const noCandidate = await inProcess([
      "eval",
      "--input",
      input,
      "--output",
      join(dir, "o.jsonl"),
      ...judgeFlags(),
    ]);
    expect(noCandidate.code).toBe(1);
    expect(noCandidate.stderr).toContain(`${input}:1: field "candidate": absent`);
  }, 30_000);
});
