import { execFile } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { parseTrainArgs } from "../train/train-command.js";
import type { EpochEvalSummary } from "./epoch-eval-report.js";

const packageRoot = new URL("../..", import.meta.url).pathname;

/** Exit code, stdout and stderr of `apo ARGS` in `cwd`. */
async function apo(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  // The workspace launcher (bin/apo.js runs src/cli.ts with tsx), so the run folders can be relative.
  return promisify(execFile)(process.execPath, [join(packageRoot, "bin", "apo.js"), ...args], { cwd }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

async function writeRun(dir: string, scores: number[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rows = scores.map((score, epoch) => ({
    epoch,
    step: 2 * epoch,
    checkpoint: `${dir}/checkpoint-${2 * epoch}`,
    scorer: "node score.mjs",
    scores: { score: { value: score, low: null, high: null }, other: { value: 1, low: null, high: null } },
    seconds: 0.1,
    time: "2026-01-01T00:00:00.000Z",
  }));
  await writeFile(join(dir, "epoch-evals.jsonl"), rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
}

describe("apo eval-report", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-eval-report-"));
    await writeRun(join(dir, "runs", "apo-zero"), [0.5, 0.7, 0.6]);
    await writeRun(join(dir, "runs", "dpo"), [0.5, 0.4, 0.45, 0.3]);
    await mkdir(join(dir, "runs", "plain"), { recursive: true });
  });

  it("prints runs side by side in the Table 2 form, --metric keeps those named, --json the summaries", async () => {
    const both = await apo(dir, "eval-report", "runs/apo-zero", "runs/dpo", "--metric", "score");
    expect(both.code).toBe(0);
    expect(both.stdout).toContain("| run | score: max | score: mean |\n");
    expect(both.stdout).toContain("| runs/apo-zero | +0.2 | +0.15 |");
    // dpo: changes −0.1, −0.05, −0.2 → max −0.05 (epoch 2), mean −0.35/3.
    expect(both.stdout).toContain("| runs/dpo | \u22120.05 | \u22120.1167 |");
    expect(both.stdout).toContain("| runs/apo-zero | 0.5 | 0.7 | 0.6 | – | +0.2 (epoch 1) | +0.15 |");
    expect(both.stdout).not.toContain("other");
    const json = await apo(dir, "eval-report", "runs/dpo", "--json");
    const [summary] = JSON.parse(json.stdout) as EpochEvalSummary[];
    expect(summary?.metrics.map((m) => m.metric)).toEqual(["score", "other"]);
    expect(summary?.metrics[0]?.meanChange).toBeCloseTo(-0.35 / 3, 12);
  });

  it("names a run without epoch-evals.jsonl, an unknown metric, and a missing run", async () => {
    const plain = await apo(dir, "eval-report", "runs/plain");
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain("runs/plain has no epoch-evals.jsonl: train it with --eval-each-epoch");
    const metric = await apo(dir, "eval-report", "runs/dpo", "--metric", "lcWinRate");
    expect(metric.stderr).toContain(
      "--metric lcWinRate is in none of the runs (their metrics: score, other)",
    );
    const none = await apo(dir, "eval-report");
    expect(none.stderr).toContain("eval-report needs at least one RUN_DIR");
  });
});

describe("apo train --eval-each-epoch", () => {
  it("becomes evalEachEpoch: { command }; an empty command is refused", () => {
    const { options } = parseTrainArgs(["--model", "m", "--eval-each-epoch", "node score.mjs {checkpoint}"]);
    expect(options.evalEachEpoch).toEqual({ command: "node score.mjs {checkpoint}" });
    expect(() => parseTrainArgs(["--eval-each-epoch", " "])).toThrow(
      /--eval-each-epoch = " " is invalid: expected a shell command/,
    );
  });
});
