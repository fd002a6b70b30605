import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apoAnchoredLoss } from "@apo/losses";
import { beforeAll, describe, expect, it } from "vitest";
import { readPreferencePairs } from "../data/read-pairs.js";
import { splitHeldOut } from "../data/split-held-out.js";
import { TrainDataError } from "../data/train-data-error.js";
import { TRL_TRUNCATION } from "../data/truncate-pair.js";
import { policyLogProbs } from "../logprobs/policy-log-probs.js";
import { loadPretrainedModel, savePretrainedModel } from "../models/pretrained-model.js";
import { type TinyTrainingSetup, writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { type TrainSummary, train } from "./train.js";
import { parseTrainArgs } from "./train-command.js";
import type { TrainOptions } from "./train-options.js";

// apo train --loss apo_anchored: each row's `anchor` ("zero", "down" or a number in [0, 1]) weighs the
// pair between APO-zero and APO-down, in the training graph and in the held-out evaluation.

const quiet = { stream: null };
const MIXED = ["zero", "down", 0.5, 0.25] as const;

describe("apo train --loss apo_anchored", () => {
  let dir: string;
  let setup: TinyTrainingSetup;
  let mixedFile: string;
  let zeroFile: string;
  let mixed: TrainSummary;
  /** The tiny model stored as F64, so float64 runs write F64 checkpoints (exact weights to compare). */
  let model64: string;

  const withAnchors = async (name: string, anchor: (i: number) => unknown) => {
    const file = join(dir, name);
    const rows = setup.rows.map((r, i) => (anchor(i) === undefined ? r : { ...r, anchor: anchor(i) }));
    await writeFile(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
    return file;
  };
  const run = (name: string, options: Partial<TrainOptions>) =>
    train({
      model: model64,
      data: mixedFile,
      out: join(dir, name),
      cacheDir: join(dir, "cache"),
      lr: 1e-2,
      epochs: 1,
      batchSize: 2,
      evalFraction: 0,
      dtype: "float64",
      progress: quiet,
      ...options,
    });
  const weightsOf = async (summary: TrainSummary) =>
    (await loadPretrainedModel(summary.checkpoints.at(-1) as string, { dtype: "float64" })).weights;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-train-anchored-"));
    setup = await writeTinyTrainingSetup(dir, 8);
    model64 = join(dir, "model64");
    await savePretrainedModel(await loadPretrainedModel(setup.modelDir, { dtype: "float64" }), model64, {
      dtype: "F64",
    });
    mixedFile = await withAnchors("mixed.jsonl", (i) => MIXED[i % MIXED.length]);
    zeroFile = await withAnchors("zero.jsonl", () => "zero");
    mixed = await run("mixed", { loss: "apo_anchored", evalFraction: 0.25, evalEvery: 1 });
  }, 60_000);

  it("trains on mixed anchors and records apo_anchored in its checkpoint", async () => {
    expect(parseTrainArgs(["--loss", "apo_anchored"]).options.loss).toBe("apo_anchored");
    expect(mixed).toMatchObject({ trainPairs: 6, evalPairs: 2, interrupted: false, step: 3 });
    const [start, end] = [mixed.metrics[0], mixed.metrics.at(-1)];
    if (start === undefined || end === undefined) throw new Error("no evaluations");
    // At step 0 the policy is the reference: APO-zero and APO-down are both 1, so is any mix.
    expect(start).toMatchObject({ step: 0, loss: 1, chosen_reward: 0, rejected_reward: 0 });
    expect(end.loss).toBeLessThan(1);
    expect(end.reward_margin).toBeGreaterThan(0);
    const state = JSON.parse(
      await readFile(join(mixed.checkpoints.at(-1) as string, "trainer_state.json"), "utf8"),
    );
    expect(state.config).toMatchObject({ loss: "apo_anchored", lossParams: { beta: 0.1 } });
  });

  it("evaluates the held-out pairs with their own anchors", async () => {
    const base = await loadPretrainedModel(model64, { dtype: "float64" });
    const { pairs } = await readPreferencePairs(mixedFile, base.tokenizer, TRL_TRUNCATION, 1024, {
      anchors: true,
    });
    // The run's held-out pairs: the same seeded split of the same pairs.
    const { heldOut } = splitHeldOut(pairs, mixed.config.evalFraction, mixed.config.seed);
    const anchorDown = heldOut.map((p) => p.anchor as number);
    expect(anchorDown.some((a) => a > 0)).toBe(true);
    const weights = new Map([...(await weightsOf(mixed))].map(([k, t]) => [k, t.data as Float64Array]));
    const initial = new Map([...base.weights].map(([k, t]) => [k, t.data as Float64Array]));
    const options = { batchSize: 2, dtype: "float64" } as const;
    const policy = await policyLogProbs(base, weights, heldOut, options);
    const reference = await policyLogProbs(base, initial, heldOut, options);
    const batch = {
      policyChosen: policy.chosen,
      policyRejected: policy.rejected,
      referenceChosen: reference.chosen,
      referenceRejected: reference.rejected,
    };
    const logged = mixed.metrics.at(-1)?.loss as number;
    expect(Math.abs(apoAnchoredLoss({ ...batch, anchorDown }).loss - logged)).toBeLessThanOrEqual(1e-12);
    // Not the loss of any single anchor for all pairs.
    for (const a of [0, 1]) {
      const uniform = apoAnchoredLoss({ ...batch, anchorDown: anchorDown.map(() => a) }).loss;
      expect(Math.abs(uniform - logged)).toBeGreaterThan(1e-9);
    }
  }, 60_000);

  it("with every anchor 0 trains the weights of an apo_zero run (float64)", async () => {
    const zero = await run("zero", { loss: "apo_zero", data: zeroFile });
    const anchored = await run("anchored-zero", { loss: "apo_anchored", data: zeroFile });
    // The anchors are part of the reference cache's key: the apo_zero run's entry is not reused.
    expect(anchored.referenceCache.train).toBe(false);
    const [w0, w1] = [await weightsOf(zero), await weightsOf(anchored)];
    let moved = 0;
    for (const [name, t] of w0) {
      const a = t.data as Float64Array;
      const b = w1.get(name)?.data as Float64Array;
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++)
        expect(Math.abs((b[i] as number) - (a[i] as number))).toBeLessThanOrEqual(1e-15);
    }
    const initial = (await loadPretrainedModel(model64, { dtype: "float64" })).weights;
    for (const [name, t] of w0) {
      const a = t.data as Float64Array;
      const w = initial.get(name)?.data as Float64Array;
      for (let i = 0; i < a.length; i++)
        moved = Math.max(moved, Math.abs((a[i] as number) - (w[i] as number)));
    }
    expect(moved).toBeGreaterThan(1e-4);
    const again = await run("anchored-zero-again", { loss: "apo_anchored", data: zeroFile });
    expect(again.referenceCache.train).toBe(true);
  }, 60_000);

  it("names file, line and value of a row without a valid anchor, in the training and the eval file", async () => {
    const fail = async (data: string, extra: Partial<TrainOptions> = {}) => {
      try {
        await run(`fail-${Math.random().toString(36).slice(2)}`, { loss: "apo_anchored", data, ...extra });
      } catch (error) {
        if (error instanceof TrainDataError) return error;
        throw error;
      }
      throw new Error("expected a TrainDataError");
    };
    const lacking = await withAnchors("lacking.jsonl", (i) => (i === 2 ? undefined : "zero"));
    expect(await fail(lacking)).toMatchObject({ file: lacking, line: 3, field: "anchor" });
    expect((await fail(lacking)).message).toContain(`${lacking}:3: missing "anchor"`);
    for (const [bad, shown] of [
      [1.5, "1.5"],
      [-1, "-1"],
      ["sideways", '"sideways"'],
    ] as const) {
      const file = await withAnchors(`bad-${shown.replaceAll('"', "")}.jsonl`, (i) =>
        i === 4 ? bad : "down",
      );
      const error = await fail(file);
      expect(error).toMatchObject({ file, line: 5, field: "anchor" });
      expect(error.message).toContain(`${file}:5: anchor ${shown} is invalid`);
    }
    // The evaluation file needs them too; training another loss on the same file ignores them.
    const plainEval = await withAnchors("eval-plain.jsonl", () => undefined);
    expect(await fail(mixedFile, { eval: plainEval })).toMatchObject({ file: plainEval, line: 1 });
    await expect(run("plain", { loss: "apo_zero", data: lacking })).resolves.toMatchObject({ step: 4 });
  }, 60_000);
});
