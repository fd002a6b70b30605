import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPretrainedModel, savePretrainedModel } from "../models/pretrained-model.js";
import type { FloatSafetensorsDtype } from "../safetensors/safetensors-dtype.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { trainUntilStep } from "../testing/train-until-step.js";
import {
  loadCheckpoint,
  removeStaleCheckpointFolders,
  saveCheckpoint,
  type TrainerState,
} from "./checkpoint.js";
import { train } from "./train.js";
import type { TrainConfig } from "./train-options.js";

async function tmp(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** The dtype of every tensor in a safetensors file's header. */
async function headerDtypes(file: string): Promise<Set<string>> {
  const bytes = await readFile(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) as Record<string, { dtype?: string }>;
  return new Set(Object.values(header).flatMap((e) => (e.dtype === undefined ? [] : [e.dtype])));
}

/** A tiny model folder stored in `dtype`. */
async function tinyIn(dtype: FloatSafetensorsDtype): Promise<string> {
  const setup = await writeTinyTrainingSetup(await tmp("apo-ckpt-src-"), 4);
  const dir = await tmp(`apo-ckpt-${dtype}-`);
  await savePretrainedModel(await loadPretrainedModel(setup.modelDir), dir, { dtype });
  return dir;
}

/** Weights nudged off every float32 (and 16-bit) value, as a float64 run's weights are. */
function nudged(weights: WeightMap): Map<string, Float64Array> {
  return new Map(
    [...weights].map(([name, t]) => [
      name,
      Float64Array.from(t.data as Float64Array, (v) => v * (1 + 2 ** -40)),
    ]),
  );
}

const state = (dtype: "float32" | "float64"): TrainerState => ({
  version: 1,
  step: 1,
  totalSteps: 2,
  stepsPerEpoch: 2,
  epoch: 0,
  stepInEpoch: 1,
  rngState: 7,
  config: { dtype } as TrainConfig,
});

describe("checkpoint dtypes", () => {
  it("a float64 run of an F64 checkpoint saves its weights and optimizer state as F64, exactly", async () => {
    const base = await loadPretrainedModel(await tinyIn("F64"), { dtype: "float64" });
    const weights = nudged(base.weights);
    const optimizerState = new Map([...weights].map(([name, w]) => [`state/m/${name}`, w.map((v) => v / 3)]));
    const out = await tmp("apo-ckpt-out-");
    const dir = await saveCheckpoint(out, {
      base,
      weights,
      optimizerState,
      stateSlots: ["m"],
      state: state("float64"),
    });
    expect(await headerDtypes(join(dir, "model.safetensors"))).toEqual(new Set(["F64"]));
    expect(await headerDtypes(join(dir, "optimizer.safetensors"))).toEqual(new Set(["F64"]));
    expect(JSON.parse(await readFile(join(dir, "config.json"), "utf8")).torch_dtype).toBe("float64");
    const back = await loadCheckpoint(dir);
    for (const [name, w] of weights) expect(back.model?.weights.get(name)?.data, name).toEqual(w);
    for (const [name, s] of optimizerState) expect(back.optimizerState.get(name)!.data, name).toEqual(s);
  });

  it.each(["BF16", "F16", "F32"] as const)(
    "a float64 run of a %s checkpoint saves in that dtype",
    async (dtype) => {
      const base = await loadPretrainedModel(await tinyIn(dtype), { dtype: "float64" });
      const out = await tmp("apo-ckpt-out-");
      const dir = await saveCheckpoint(out, {
        base,
        weights: nudged(base.weights),
        optimizerState: new Map(),
        stateSlots: [],
        state: state("float64"),
      });
      expect(await headerDtypes(join(dir, "model.safetensors"))).toEqual(new Set([dtype]));
      // Rounded back to the source's dtype: the relative 2^-40 nudge is gone.
      const back = await loadPretrainedModel(dir, { dtype: "float64" });
      for (const [name, t] of base.weights) expect(back.weights.get(name)!.data, name).toEqual(t.data);
    },
  );

  it("train() in float64 from an F64 checkpoint writes F64 checkpoints that are not float32-rounded", async () => {
    const setup = await writeTinyTrainingSetup(await tmp("apo-ckpt-train-"), 6);
    const model = await tinyIn("F64");
    const summary = await train({
      model,
      data: setup.dataFile,
      out: await tmp("apo-ckpt-run-"),
      lr: 1e-2,
      epochs: 1,
      batchSize: 2,
      evalFraction: 0.34,
      dtype: "float64",
      progress: { stream: null },
    });
    const last = summary.checkpoints.at(-1)!;
    expect(await headerDtypes(join(last, "model.safetensors"))).toEqual(new Set(["F64"]));
    const trained = await loadPretrainedModel(last, { dtype: "float64" });
    const values = [...trained.weights.values()].flatMap((t) => [...(t.data as Float64Array)]);
    expect(values.filter((v) => Math.fround(v) !== v).length).toBeGreaterThan(values.length / 2);
  });

  it("a float64 run of an F64 checkpoint resumes bit for bit", async () => {
    const setup = await writeTinyTrainingSetup(await tmp("apo-ckpt-resume-"), 8);
    const options = {
      model: await tinyIn("F64"),
      data: setup.dataFile,
      lr: 1e-2,
      epochs: 2,
      batchSize: 2,
      evalFraction: 0.25,
      optimizer: "rmsprop",
      dtype: "float64",
      progress: { stream: null },
    } as const;
    const whole = await train({ ...options, out: await tmp("apo-ckpt-whole-") });
    const out = await tmp("apo-ckpt-stopped-");
    await trainUntilStep({ ...options, out }, 4);
    const resumed = await train({ resumeFrom: out, progress: { stream: null } });
    const [a, b] = [whole.checkpoints.at(-1)!, resumed.checkpoints.at(-1)!];
    expect(basename(b)).toBe(basename(a));
    for (const file of ["model.safetensors", "optimizer.safetensors"]) {
      expect((await readFile(join(a, file))).equals(await readFile(join(b, file))), file).toBe(true);
    }
  });
});

describe("temporary checkpoint folders", () => {
  it("of saves whose process is gone: removed, or renamed into place when finished, at the next start", async () => {
    const out = await tmp("apo-ckpt-stale-");
    const base = await loadPretrainedModel(await tinyIn("F32"));
    const save = (step: number) =>
      saveCheckpoint(out, {
        base,
        weights: new Map(),
        optimizerState: new Map(),
        stateSlots: [],
        state: { ...state("float32"), step },
      });
    const { pid: gone } = spawnSync(process.execPath, ["-e", ""]);
    // Killed between removing checkpoint-2 and renaming its finished replacement: all there but the name.
    await rename(await save(2), join(out, `checkpoint-2.tmp-${gone}`));
    // Killed while writing: no trainer_state.json (written last).
    await rename(await save(3), join(out, `checkpoint-3.tmp-${gone}`));
    await rm(join(out, `checkpoint-3.tmp-${gone}`, "trainer_state.json"));
    // A save in progress in a live process (this one's parent) is left alone.
    await mkdir(join(out, `checkpoint-4.tmp-${process.ppid}`));
    expect(await removeStaleCheckpointFolders(out)).toEqual([
      `restored ${join(out, "checkpoint-2")} from checkpoint-2.tmp-${gone}, a finished save whose process (pid ${gone}) stopped before renaming it`,
      `removed ${join(out, `checkpoint-3.tmp-${gone}`)}: a save that did not finish (its process, pid ${gone}, is gone)`,
    ]);
    expect((await readdir(out)).sort()).toEqual(["checkpoint-2", `checkpoint-4.tmp-${process.ppid}`]);
    expect((await loadCheckpoint(join(out, "checkpoint-2"))).state.step).toBe(2);
    expect(await removeStaleCheckpointFolders(join(out, "absent"))).toEqual([]);
  });
});
