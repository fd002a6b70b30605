import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { EvalMetrics } from "../report/evaluate-pairs.js";
import { type TinyTrainingSetup, writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { train } from "./train.js";

// Section 5.4.2 of the paper, on a tiny model and a synthetic preference set, through the whole loop.
describe("held-out rewards behave as the paper describes", () => {
  let dir: string;
  let setup: TinyTrainingSetup;
  const last: Record<string, EvalMetrics> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-paper-"));
    setup = await writeTinyTrainingSetup(dir, 16);
    for (const loss of ["apo_zero", "apo_down", "sigmoid"]) {
      const summary = await train({
        model: setup.modelDir,
        data: setup.dataFile,
        out: join(dir, loss),
        cacheDir: join(dir, "cache"),
        loss,
        lr: 1e-3,
        epochs: 2,
        batchSize: 4,
        evalFraction: 0.25,
        evalEvery: 100,
        progress: { stream: null },
      });
      last[loss] = summary.metrics.at(-1) as EvalMetrics;
    }
  }, 60_000);

  it("APO-zero raises the chosen reward above 0 and lowers the rejected one", () => {
    expect(last.apo_zero?.chosen_reward).toBeGreaterThan(0);
    expect(last.apo_zero?.rejected_reward).toBeLessThan(0);
  });

  it("APO-down lowers both rewards, the rejected more", () => {
    const m = last.apo_down as EvalMetrics;
    expect(m.chosen_reward).toBeLessThan(0);
    expect(m.rejected_reward).toBeLessThan(m.chosen_reward);
  });

  it("APO-zero, APO-down and DPO all widen the reward margin", () => {
    for (const loss of ["apo_zero", "apo_down", "sigmoid"]) {
      expect(last[loss]?.reward_margin, loss).toBeGreaterThan(0.1);
      expect(last[loss]?.reward_accuracy, loss).toBeGreaterThanOrEqual(0.75);
    }
  });
});
