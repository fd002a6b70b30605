import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { definePairedLoss } from "@apo/losses/define";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPretrainedModel } from "../models/pretrained-model.js";
import { PLOT_FILES } from "../report/write-plots.js";
import { type TinyTrainingSetup, writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { TrainConfigError } from "../train-step/train-config-error.js";
import { ExecutionProviderError } from "./execution-provider-error.js";
import { type TrainSummary, train } from "./train.js";

const quiet = { stream: null };

describe("train", () => {
  let dir: string;
  let setup: TinyTrainingSetup;
  let first: TrainSummary;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-train-"));
    setup = await writeTinyTrainingSetup(dir, 16);
    first = await train({
      model: setup.modelDir,
      data: setup.dataFile,
      out: join(dir, "run-a"),
      cacheDir: join(dir, "cache"),
      lr: 1e-3,
      epochs: 2,
      batchSize: 4,
      evalFraction: 0.25,
      evalEvery: 2,
      progress: quiet,
    });
  }, 60_000);

  it("APO-zero raises the held-out chosen likelihood and lowers the rejected one", () => {
    expect(first).toMatchObject({ step: 6, totalSteps: 6, trainPairs: 12, evalPairs: 4, interrupted: false });
    const [start, end] = [first.metrics[0], first.metrics.at(-1)];
    if (start === undefined || end === undefined) throw new Error("no evaluations");
    // Step 0: the policy is the reference, so the rewards are exactly 0.
    expect(start).toMatchObject({ step: 0, chosen_reward: 0, rejected_reward: 0, reward_margin: 0 });
    expect(end.step).toBe(6);
    expect(end.chosen_logp).toBeGreaterThan(start.chosen_logp);
    expect(end.rejected_logp).toBeLessThan(start.rejected_logp);
    expect(end.chosen_reward).toBeGreaterThan(0);
    expect(end.rejected_reward).toBeLessThan(0);
    expect(end.reward_accuracy).toBe(1);
    // Rewards are β·Δlogp with the loss's β = 0.1.
    expect(end.chosen_reward).toBeCloseTo(0.1 * (end.chosen_logp - start.chosen_logp), 4);
    expect(end.loss).toBeLessThan(start.loss);
  });

  it("writes metrics.jsonl (one object per evaluation), SVG plots and a checkpoint per epoch", async () => {
    const out = join(dir, "run-a");
    const lines = (await readFile(join(out, "metrics.jsonl"), "utf8")).trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).step)).toEqual([0, 2, 4, 6]);
    expect(JSON.parse(lines[3] as string)).toEqual(first.metrics[3]);
    for (const file of PLOT_FILES) {
      const svg = await readFile(join(out, "plots", file), "utf8");
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg).toMatch(/<polyline [^>]*points="[\d., -]+"/);
    }
    expect(first.checkpoints).toEqual([join(out, "checkpoint-3"), join(out, "checkpoint-6")]);
    for (const file of ["model.safetensors", "config.json", "tokenizer.json", "optimizer.safetensors"]) {
      expect(existsSync(join(out, "checkpoint-6", file))).toBe(true);
    }
    const state = JSON.parse(await readFile(join(out, "checkpoint-3", "trainer_state.json"), "utf8"));
    expect(state).toMatchObject({ step: 3, epoch: 1, stepInEpoch: 0, totalSteps: 6, stepsPerEpoch: 3 });
    expect(state.config).toMatchObject({ loss: "apo_zero", lr: 1e-3, lossParams: { beta: 0.1 } });
  });

  it("reuses the cached reference log-probs on the next run", async () => {
    expect(first.referenceCache).toEqual({ train: false, eval: false });
    const again = await train({
      model: setup.modelDir,
      data: setup.dataFile,
      out: join(dir, "run-b"),
      cacheDir: join(dir, "cache"),
      lr: 1e-3,
      epochs: 1,
      batchSize: 4,
      evalFraction: 0.25,
      progress: quiet,
    });
    expect(again.referenceCache).toEqual({ train: true, eval: true });
    // Other truncation settings are another key.
    const truncated = await train({
      model: setup.modelDir,
      data: setup.dataFile,
      out: join(dir, "run-c"),
      cacheDir: join(dir, "cache"),
      lr: 1e-3,
      epochs: 1,
      batchSize: 4,
      evalFraction: 0,
      maxCompletionLength: 3,
      progress: quiet,
    });
    expect(truncated.referenceCache).toEqual({ train: false, eval: null });
  }, 60_000);

  it("accumulates micro-batches to the effective batch: the weights of one batch of 4 (float64)", async () => {
    const run = (microBatchSize: number) =>
      train({
        model: setup.modelDir,
        data: setup.dataFile,
        out: join(dir, `accumulate-${microBatchSize}`),
        cacheDir: join(dir, "cache64"),
        epochs: 1,
        batchSize: 4,
        microBatchSize,
        evalFraction: 0,
        dtype: "float64",
        optimizer: "sgd",
        lr: 0.5,
        maxGradNorm: 1e9,
        progress: quiet,
      });
    const [whole, accumulated] = [await run(4), await run(2)];
    expect(accumulated.step).toBe(whole.step);
    const [a, b] = await Promise.all(
      [whole, accumulated].map(async (s) => loadPretrainedModel(s.checkpoints.at(-1) as string)),
    );
    const initial = await loadPretrainedModel(setup.modelDir);
    let moved = 0;
    for (const [name, t] of a?.weights ?? []) {
      const u = b?.weights.get(name)?.data as Float32Array;
      const w0 = initial.weights.get(name)?.data as Float32Array;
      t.data.forEach((v, i) => {
        expect(Math.abs(Number(v) - (u[i] as number))).toBeLessThan(1e-6);
        moved = Math.max(moved, Math.abs(Number(v) - (w0[i] as number)));
      });
    }
    expect(moved).toBeGreaterThan(1e-3);
  }, 60_000);

  it("recomputation on or off trains to bit-for-bit the same weights", async () => {
    const run = (recompute: boolean) =>
      train({
        model: setup.modelDir,
        data: setup.dataFile,
        out: join(dir, `recompute-${recompute}`),
        cacheDir: join(dir, "cache"),
        epochs: 1,
        batchSize: 4,
        evalFraction: 0,
        lr: 1e-2,
        recompute,
        progress: quiet,
      });
    const [on, off] = [await run(true), await run(false)];
    const [a, b] = await Promise.all(
      [on, off].map(async (s) => loadPretrainedModel(s.checkpoints.at(-1) as string)),
    );
    const initial = await loadPretrainedModel(setup.modelDir);
    let moved = 0;
    for (const [name, t] of a?.weights ?? []) {
      expect(Array.from(t.data as Float32Array), name).toEqual(
        Array.from((b?.weights.get(name)?.data ?? []) as Float32Array),
      );
      const w0 = initial.weights.get(name)?.data as Float32Array;
      t.data.forEach((v, i) => {
        moved = Math.max(moved, Math.abs(Number(v) - (w0[i] as number)));
      });
    }
    expect(moved).toBeGreaterThan(1e-4);
    const state = JSON.parse(
      await readFile(join(on.checkpoints.at(-1) as string, "trainer_state.json"), "utf8"),
    ) as { config: { recompute: unknown } };
    expect(state.config.recompute).toBe(true);
  }, 60_000);

  it("asking for CUDA either trains or says how to install the CUDA provider", async () => {
    const outcome = await train({
      model: setup.modelDir,
      data: setup.dataFile,
      out: join(dir, "cuda"),
      cacheDir: join(dir, "cache"),
      lr: 1e-3,
      epochs: 1,
      batchSize: 4,
      evalFraction: 0.25,
      sessionOptions: { executionProviders: ["cuda"] },
      progress: quiet,
    }).catch((error: unknown) => error);
    if (outcome instanceof Error) {
      expect(outcome).toBeInstanceOf(ExecutionProviderError);
      expect(outcome.message).toMatch(
        /"cuda" is not available .*--onnxruntime-node-install-cuda=v12.*--device cpu/,
      );
    } else {
      expect(outcome).toMatchObject({ step: 3, interrupted: false });
    }
  });

  it("trains a loss defined outside the registry, and asks for it again on resume", async () => {
    // Chosen-only SFT-like anchor: push log π(chosen) up, leave the rejected alone.
    const chosenUp = definePairedLoss<{ beta: number }>({
      name: "chosen_up",
      reference: "test",
      defaults: { beta: 0.1 },
      rewards: "log-ratio",
      validate: () => {},
      terms: (m, x, p) => ({
        loss: m.neg(m.mul(m.constant(p.beta), m.sub(x.policyChosen, x.referenceChosen))),
        gradChosen: m.constant(-p.beta),
        gradRejected: m.constant(0),
      }),
    });
    const out = join(dir, "custom");
    const options = {
      model: setup.modelDir,
      data: setup.dataFile,
      out,
      cacheDir: join(dir, "cache"),
      lr: 1e-3,
      epochs: 2,
      batchSize: 4,
      evalFraction: 0.25,
      evalEvery: 100,
      progress: quiet,
    };
    const summary = await train({ ...options, loss: chosenUp, epochs: 2 });
    expect(summary.config.loss).toBe("chosen_up");
    expect(summary.metrics.at(-1)?.chosen_reward).toBeGreaterThan(0);
    const resumeFrom = join(out, "checkpoint-3");
    await expect(train({ resumeFrom, progress: quiet })).rejects.toMatchObject({
      field: "loss",
      message: expect.stringMatching(/pass(ed)? as its definition object/),
    });
    const resumed = await train({
      resumeFrom,
      out: join(dir, "custom-resumed"),
      loss: chosenUp,
      progress: quiet,
    });
    expect(resumed.step).toBe(6);
  }, 60_000);

  it("rejects bad options naming the field, and unpaired losses by name", async () => {
    const base = { model: setup.modelDir, data: setup.dataFile, out: join(dir, "bad"), progress: quiet };
    await expect(train({ ...base, batchSize: 4, microBatchSize: 3 })).rejects.toMatchObject({
      field: "microBatchSize",
    });
    await expect(train({ ...base, lr: -1 })).rejects.toThrow(/lr = -1 is invalid/);
    await expect(train({ ...base, epochs: 1.5 })).rejects.toThrow(TrainConfigError);
    await expect(train({ ...base, loss: "nope" })).rejects.toMatchObject({ field: "loss" });
    await expect(train({ ...base, beta: 0 })).rejects.toMatchObject({ field: "lossParams.beta" });
    // Unpaired losses read KTO-format rows (a paired file is unpaired as TRL does): a bad label names its line.
    const badLabel = join(dir, "bad-label.jsonl");
    await writeFile(badLabel, `${JSON.stringify({ prompt: "a", completion: "b", label: "yes" })}\n`);
    await expect(train({ ...base, data: badLabel, loss: "kto" })).rejects.toMatchObject({ line: 1 });
    await expect(train({ ...base, data: badLabel, loss: "apo_zero_unpaired" })).rejects.toThrow(
      /:1: "label" must be/,
    );
    await expect(train({ ...base, truncationMode: "middle" as "keep_end" })).rejects.toMatchObject({
      field: "truncationMode",
    });
    await expect(train({ ...base, order: "random" as "torch" })).rejects.toMatchObject({ field: "order" });
    await expect(train({ model: setup.modelDir, data: setup.dataFile })).rejects.toMatchObject({
      field: "out",
    });
    await expect(train({ ...base, out: join(dir, "run-a") })).rejects.toThrow(
      /out = .* a folder without checkpoints: continue that run with --resume/,
    );
  });
});
