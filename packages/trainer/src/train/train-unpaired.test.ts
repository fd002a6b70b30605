import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ktoLoss } from "@apo/losses";
import { beforeAll, describe, expect, it } from "vitest";
import { prepareUnpairedMicroBatch } from "../data/micro-batches.js";
import { mismatchExamples } from "../data/mismatch-pairs.js";
import { readUnpairedExamples } from "../data/read-unpaired.js";
import { TrainDataError } from "../data/train-data-error.js";
import { PAPER_TRUNCATION } from "../data/truncate-pair.js";
import { LogProbSession } from "../logprobs/log-prob-session.js";
import { pairLogProbs } from "../logprobs/pair-log-probs.js";
import { loadPretrainedModel } from "../models/pretrained-model.js";
import type { EvalMetrics } from "../report/evaluate-pairs.js";
import {
  type TinyTrainingSetup,
  writeTinyTrainingSetup,
  writeTinyUnpairedData,
} from "../testing/train-fixtures.js";
import { TrainConfigError } from "../train-step/train-config-error.js";
import { TrainStepSession } from "../train-step/train-step-session.js";
import { optimizerStep } from "./optimizer-step.js";
import { train } from "./train.js";

const quiet = { stream: null };

function ends(metrics: EvalMetrics[]): [EvalMetrics, EvalMetrics] {
  const [start, end] = [metrics[0], metrics.at(-1)];
  if (start === undefined || end === undefined) throw new Error("no evaluations");
  return [start, end];
}

describe("train on unpaired (KTO-format) data", () => {
  let dir: string;
  let setup: TinyTrainingSetup;
  let data: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-unpaired-"));
    setup = await writeTinyTrainingSetup(dir, 6);
    data = await writeTinyUnpairedData(setup, join(dir, "kto.jsonl"));
  });

  const run = (loss: string, name: string) =>
    train({
      model: setup.modelDir,
      data,
      eval: data,
      out: join(dir, name),
      cacheDir: join(dir, "cache"),
      loss,
      lr: 1e-3,
      epochs: 2,
      batchSize: 4,
      evalEvery: 3,
      progress: quiet,
    });

  it("KTO raises the desirable and lowers the undesirable log-likelihoods, with a KL estimate", async () => {
    const summary = await run("kto", "kto");
    expect(summary).toMatchObject({ step: 6, totalSteps: 6, trainPairs: 12, evalPairs: 12 });
    const [start, end] = ends(summary.metrics);
    expect(start).toMatchObject({ step: 0, chosen_reward: 0, rejected_reward: 0, kl: 0, pairs: 12 });
    expect(end.chosen_logp).toBeGreaterThan(start.chosen_logp);
    expect(end.rejected_logp).toBeLessThan(start.rejected_logp);
    expect(end.reward_margin).toBeGreaterThan(0);
    expect(end.loss).toBeLessThan(start.loss);
    expect(typeof end.kl).toBe("number");
    const lines = (await readFile(join(dir, "kto", "metrics.jsonl"), "utf8")).trim().split("\n");
    expect(JSON.parse(lines.at(-1) as string)).toEqual(end);
  }, 60_000);

  it("a KTO run resumed from its epoch-1 checkpoint ends with the same weights", async () => {
    const out = join(dir, "kto-resumed");
    const resumed = await train({ resumeFrom: join(dir, "kto", "checkpoint-3"), out, progress: quiet });
    expect(resumed.step).toBe(6);
    const weights = (run: string) => readFile(join(dir, run, "checkpoint-6", "model.safetensors"));
    expect((await weights("kto-resumed")).equals(await weights("kto"))).toBe(true);
  }, 60_000);

  it("APO-zero-unpaired raises the desirable and lowers the undesirable log-likelihoods", async () => {
    const summary = await run("apo_zero_unpaired", "apo-zero-unpaired");
    const [start, end] = ends(summary.metrics);
    expect(end.chosen_logp).toBeGreaterThan(start.chosen_logp);
    expect(end.rejected_logp).toBeLessThan(start.rejected_logp);
    expect(end.chosen_reward).toBeGreaterThan(0);
    expect(end.rejected_reward).toBeLessThan(0);
    // Not the KTO run's cached reference (same rows): the training pairs' reference is computed in the
    // first epoch's batches, and APO-zero-unpaired packs its examples without the mismatched rows.
    expect(summary.referenceCache.train).toBe(false);
  }, 60_000);

  it("names the line of a malformed row, and needs a KTO batch of at least 2", async () => {
    const bad = join(dir, "bad.jsonl");
    await writeFile(
      bad,
      `${JSON.stringify({ prompt: "a", completion: "b", label: true })}\n{"prompt":"a","completion":"b"}\n`,
    );
    const base = { model: setup.modelDir, data: bad, out: join(dir, "bad"), loss: "kto", progress: quiet };
    const error = await train(base).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainDataError);
    expect(error).toMatchObject({ file: bad, line: 2 });
    expect(String(error)).toMatch(/bad\.jsonl:2: "label" must be true/);
    const one = join(dir, "one.jsonl");
    await writeFile(one, `${JSON.stringify({ prompt: "a", completion: "b", label: true })}\n`);
    await expect(train({ ...base, data: one, evalFraction: 0 })).rejects.toThrow(
      /at least 2 training examples/,
    );
    await expect(train({ ...base, data, batchSize: 1 })).rejects.toThrow(TrainConfigError);
    await expect(train({ ...base, data, batchSize: 1 })).rejects.toMatchObject({ field: "batchSize" });
    await expect(train({ ...base, data, batchSize: 4, microBatchSize: 1 })).rejects.toMatchObject({
      field: "microBatchSize",
    });
    // Gradient accumulation: micro-batches of 2 carry their labels and their own KL estimate.
    const accumulated = await train({
      ...base,
      data,
      out: join(dir, "accumulated"),
      batchSize: 4,
      microBatchSize: 2,
      epochs: 1,
    });
    expect(accumulated.step).toBeGreaterThan(0);
    expect(Number.isFinite(accumulated.lastLoss)).toBe(true);
  });

  it("the loss the loop's step reports equals ktoLoss on the same log-probs", async () => {
    const model = await loadPretrainedModel(setup.modelDir);
    const { examples } = await readUnpairedExamples(data, model.tokenizer, PAPER_TRUNCATION, 128);
    const { pairs, labels } = mismatchExamples(examples, PAPER_TRUNCATION, model.config.maxPositions);
    const logp = await LogProbSession.create(model, {}, { dtype: "float64" });
    const reference = await pairLogProbs(logp, model, pairs, 4).finally(() => logp.release());
    const session = await TrainStepSession.create(model, { loss: "kto", dtype: "float64", optimizer: "sgd" });
    try {
      const indices = [5, 0, 3, 8];
      const micro = prepareUnpairedMicroBatch(model, pairs, reference, labels, indices, true);
      expect(micro.batch.batch).toBe(8);
      await optimizerStep(session, [micro], 0.5); // move the policy away from the reference
      const [result] = await optimizerStep(session, [micro], 0);
      if (result === undefined) throw new Error("no result");
      const p = Array.from(result.policyLogp);
      const q = Array.from(micro.referenceLogp);
      const js = ktoLoss({
        policy: p.slice(0, 4),
        reference: q.slice(0, 4),
        label: indices.map((i) => labels[i] as boolean),
        policyMismatched: p.slice(4),
        referenceMismatched: q.slice(4),
      });
      expect(js.loss).not.toBeCloseTo(0.5, 3); // the policy really moved
      expect(result.loss).toBeCloseTo(js.loss, 10);
      expect(Array.from(result.losses)).toEqual(Array.from(js.losses).map((x) => expect.closeTo(x, 10)));
    } finally {
      await session.release();
    }
  }, 60_000);
});
