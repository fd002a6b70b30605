import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { type TinyTrainingSetup, writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { trainUntilStep } from "../testing/train-until-step.js";
import { train } from "../train/train.js";
import type { TrainOptions } from "../train/train-options.js";
import { EpochEvalError } from "./epoch-eval-error.js";
import { summariseEpochEvals } from "./epoch-eval-report.js";
import { readEpochEvals } from "./epoch-evals.js";

/**
 * A real scorer: reads the checkpoint's config.json and (for a trained checkpoint) trainer_state.json,
 * records the call in calls.txt, and prints hand-known scores for each epoch as its last stdout line
 * (0.5, 0.7, 0.6: max change +0.2 at epoch 1, mean change +0.15). FAIL_AT=<epoch> makes it exit 3.
 */
const SCORER = `
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
const epoch = Number(process.env.APO_EPOCH);
const dir = process.env.APO_CHECKPOINT;
const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
const stateFile = join(dir, "trainer_state.json");
const step = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")).step : 0;
appendFileSync(join(process.env.APO_RUN_DIR, "calls.txt"), epoch + "\\n");
if (process.env.FAIL_AT === String(epoch)) {
  console.error("scorer: boom at epoch " + epoch);
  process.exit(3);
}
console.log("scoring " + dir);
console.log(JSON.stringify({ score: [0.5, 0.7, 0.6][epoch], step, hidden: config.hidden_size, note: "text is ignored" }));
`;

async function calls(out: string): Promise<string[]> {
  return (await readFile(join(out, "calls.txt"), "utf8")).trim().split("\n");
}

describe("apo train --eval-each-epoch (tiny model, a real node scorer)", () => {
  let dir: string;
  let setup: TinyTrainingSetup;
  let options: TrainOptions;
  let scorer: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-epoch-evals-"));
    setup = await writeTinyTrainingSetup(dir, 12);
    scorer = join(dir, "score.mjs");
    await writeFile(scorer, SCORER);
    // 12 pairs, none held out, batches of 4: 3 steps per epoch, 2 epochs; a checkpoint every 2 steps, so
    // epoch ends (steps 3 and 6) are saved for the scorer although saveEvery does not fall on step 3.
    options = {
      model: setup.modelDir,
      data: setup.dataFile,
      lr: 1e-3,
      epochs: 2,
      batchSize: 4,
      evalFraction: 0,
      saveEvery: 2,
      progress: { stream: null },
      evalEachEpoch: { command: `node "${scorer}"` },
    };
  }, 60_000);

  it("scores the starting model and each epoch's checkpoint, and reports max and mean change", async () => {
    const out = join(dir, "whole");
    const summary = await train({ ...options, out });
    expect(summary.checkpoints.map((c) => c.slice(out.length + 1))).toEqual([
      "checkpoint-2",
      "checkpoint-3",
      "checkpoint-4",
      "checkpoint-6",
    ]);
    const rows = await readEpochEvals(out);
    expect(rows.map((r) => [r.epoch, r.step, r.checkpoint])).toEqual([
      [0, 0, setup.modelDir],
      [1, 3, join(out, "checkpoint-3")],
      [2, 6, join(out, "checkpoint-6")],
    ]);
    expect(rows.map((r) => r.scores.score?.value)).toEqual([0.5, 0.7, 0.6]);
    // The scorer read each checkpoint's own files: the step from its trainer state, the config's width.
    expect(rows.map((r) => r.scores.step?.value)).toEqual([0, 3, 6]);
    expect(rows.every((r) => r.scores.hidden?.value === 16 && r.scores.note === undefined)).toBe(true);
    expect(rows[0]?.scorer).toBe(`node "${scorer}"`);
    expect(await calls(out)).toEqual(["0", "1", "2"]);

    const score = summariseEpochEvals(rows, "whole").metrics.find((m) => m.metric === "score");
    expect(score?.start?.value).toBe(0.5);
    expect(score?.maxChange).toBeCloseTo(0.2, 12);
    expect(score?.bestEpoch).toBe(1);
    expect(score?.meanChange).toBeCloseTo(0.15, 12);
    const report = await readFile(join(out, "epoch-evals.md"), "utf8");
    expect(report).toContain("| run | score: max | score: mean | step: max | step: mean |");
    expect(report).toContain("| whole | +0.2 | +0.15 | +6 | +4.5 |");
    expect(report).toContain("| whole | 0.5 | 0.7 | 0.6 | +0.2 (epoch 1) | +0.15 |");
    // A scorer that prints its JSON leaves no output file.
    expect(existsSync(join(out, "epoch-evals", "epoch-0.json"))).toBe(false);
  }, 60_000);

  it("a resumed run scores what the interrupted one left, and nothing twice", async () => {
    const out = join(dir, "resumed");
    // Interrupted at the end of epoch 1: the checkpoint is saved, the scoring left to the resume.
    const stopped = await trainUntilStep({ ...options, out }, 3);
    expect(stopped.interrupted).toBe(true);
    expect((await readEpochEvals(out)).map((r) => r.epoch)).toEqual([0]);
    await train({ ...options, out, resumeFrom: out });
    expect((await readEpochEvals(out)).map((r) => r.epoch)).toEqual([0, 1, 2]);
    expect(await calls(out)).toEqual(["0", "1", "2"]);
    // Resuming the finished run scores nothing; resuming it without the hook says what that means.
    await train({ ...options, out, resumeFrom: out });
    expect(await calls(out)).toEqual(["0", "1", "2"]);
    let text = "";
    const stream = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    });
    const { evalEachEpoch: _, ...without } = options;
    await train({ ...without, out, resumeFrom: out, progress: { stream } });
    expect(text).toContain(
      `${join(out, "epoch-evals.jsonl")} exists but this run has no --eval-each-epoch: the next epochs will not be scored`,
    );
  }, 120_000);

  it("a failing command stops the run naming epoch, command, exit code and stderr; the checkpoint is kept", async () => {
    const out = join(dir, "failing");
    const command = `FAIL_AT=1 node "${scorer}"`;
    const error = await train({ ...options, out, evalEachEpoch: { command } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EpochEvalError);
    const e = error as EpochEvalError;
    expect(e.code).toBe("EPOCH_EVAL");
    expect([e.epoch, e.exitCode, e.command, e.checkpoint]).toEqual([
      1,
      3,
      command,
      join(out, "checkpoint-3"),
    ]);
    expect(e.stderrTail).toBe("scorer: boom at epoch 1");
    expect(e.message).toContain(`epoch 1 (${join(out, "checkpoint-3")}): \`${command}\` exited with code 3`);
    expect(e.message).toContain("scorer: boom at epoch 1");
    expect(existsSync(join(out, "checkpoint-3", "model.safetensors"))).toBe(true);
    expect((await readEpochEvals(out)).map((r) => r.epoch)).toEqual([0]);
    // Fixed and resumed: epoch 1 is scored before training goes on; epoch 0 is not scored again.
    await train({ ...options, out, resumeFrom: out });
    expect((await readEpochEvals(out)).map((r) => r.epoch)).toEqual([0, 1, 2]);
    expect(await calls(out)).toEqual(["0", "1", "1", "2"]);
  }, 120_000);

  it("takes a scorer function, and a command's JSON from $APO_EVAL_OUTPUT (clair eval's report shape)", async () => {
    const out = join(dir, "function");
    const seen: [string, number][] = [];
    await train({
      ...options,
      epochs: 1,
      out,
      evalEachEpoch: async (checkpoint, epoch) => {
        seen.push([checkpoint, epoch]);
        return { accuracy: { value: epoch === 0 ? 0.25 : 0.5, low: 0.1, high: 0.9 } };
      },
    });
    expect(seen).toEqual([
      [setup.modelDir, 0],
      [join(out, "checkpoint-3"), 1],
    ]);
    const rows = await readEpochEvals(out);
    expect(rows.map((r) => r.scorer)).toEqual(["function", "function"]);
    expect(rows[1]?.scores.accuracy).toEqual({ value: 0.5, low: 0.1, high: 0.9 });
    expect(await readFile(join(out, "epoch-evals.md"), "utf8")).toContain(
      "| function | 0.25 [0.1, 0.9] | 0.5 [0.1, 0.9] | +0.25 (epoch 1) | +0.25 |",
    );

    // A command writing clair eval's --json report (EvalReport) to $APO_EVAL_OUTPUT, printing Markdown.
    const clairLike = join(dir, "clair-like.mjs");
    await writeFile(
      clairLike,
      `import { writeFileSync } from "node:fs";
const e = Number(process.env.APO_EPOCH);
const est = (v) => ({ value: v, low: v - 0.05, high: v + 0.05 });
writeFileSync(process.env.APO_EVAL_OUTPUT, JSON.stringify({
  mode: "verifiable", models: { candidate: "a", baseline: "b", judge: null }, pairs: 40, rejected: {},
  unparseableReplies: 0, candidateLonger: 0.5, candidateShorter: 0.4,
  stats: { pairs: 40, wins: 10, ties: 20, losses: 10, winRate: est(0.5 + e / 10), tieRate: est(0.5),
    lossRate: est(0.25), lcWinRate: est(0.5 + e / 20),
    lengthModel: { value: 0.5, intercept: 0, slope: 0.1, scale: 3, converged: true, iterations: 4 },
    meanLength: { candidate: 10, baseline: 9 }, means: { candidateScore: est(0.3), baselineScore: est(0.3) },
    bootstrap: { resamples: 1000, seed: 0, level: 0.95 } } }));
console.log("## a vs b (markdown, not JSON)");
`,
    );
    const out2 = join(dir, "clair-like");
    await train({ ...options, epochs: 1, out: out2, evalEachEpoch: { command: `node "${clairLike}"` } });
    const [start, first] = await readEpochEvals(out2);
    expect(Object.keys(first?.scores ?? {})).toEqual([
      "winRate",
      "tieRate",
      "lossRate",
      "lcWinRate",
      "candidateScore",
      "baselineScore",
    ]);
    expect(start?.scores.winRate).toEqual({ value: 0.5, low: 0.45, high: 0.55 });
    expect(first?.scores.lcWinRate?.value).toBeCloseTo(0.55, 12);
    expect(existsSync(join(out2, "epoch-evals", "epoch-1.json"))).toBe(true);
  }, 120_000);
});
