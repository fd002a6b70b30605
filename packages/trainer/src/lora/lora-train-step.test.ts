import { beforeAll, describe, expect, it } from "vitest";
import { LogProbSession } from "../logprobs/log-prob-session.js";
import { type PackedBatch, packSequences } from "../logprobs/pack-sequences.js";
import { createTinyModel } from "../models/create-tiny-model.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { SeededRandom } from "../models/seeded-random.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { stepFiniteDifferences } from "../testing/step-finite-differences.js";
import { OPTIMIZERS, type OptimizerName } from "../train-step/optimizers/index.js";
import { TrainStepSession } from "../train-step/train-step-session.js";
import { initLoraWeights } from "./init-lora-weights.js";
import { type LoraConfig, loraAName, loraBName, loraScale } from "./lora-config.js";
import { LoraTargetError } from "./lora-errors.js";
import { LORA_SCALE_INPUT } from "./lora-graph.js";
import { LoraLogProbSession } from "./lora-log-prob-session.js";
import { loraModules } from "./lora-modules.js";

// Two pairs: chosen rows first, then the rejected rows of the same prompts.
const rows = [
  { promptIds: [1, 40, 50], completionIds: [70, 80, 2] },
  { promptIds: [1, 9], completionIds: [100, 101, 102, 2] },
  { promptIds: [1, 40, 50], completionIds: [71, 2] },
  { promptIds: [1, 9], completionIds: [103, 2] },
];

const pack = (model: PretrainedModel): PackedBatch =>
  packSequences(rows, { padId: 0, maxLength: model.config.maxPositions, vocabSize: model.config.vocabSize });

/** PEFT-initialised adapters with B drawn too, so that every adapter has a non-zero gradient. */
function randomAdapters(model: PretrainedModel, config: LoraConfig, seed: number): WeightMap {
  const adapters = initLoraWeights(model, config, seed, "float64");
  const rng = new SeededRandom(seed + 1);
  for (const [name, t] of adapters) {
    if (!name.endsWith("lora_B.weight")) continue;
    const data = t.data as Float64Array;
    for (let i = 0; i < data.length; i++) data[i] = (2 * rng.uniform() - 1) * 0.3;
  }
  return adapters;
}

/** The model with every wrapped layer's weight replaced by W + s·B·A (Conv1D: W + s·(B·A)ᵀ), float64. */
function mergedModel(model: PretrainedModel, config: LoraConfig, adapters: WeightMap): PretrainedModel {
  const s = loraScale(config);
  const weights: WeightMap = new Map(model.weights);
  for (const m of loraModules(model, config.targets)) {
    const base = model.weights.get(m.baseWeight);
    const a = adapters.get(loraAName(m.module))?.data as Float64Array;
    const b = adapters.get(loraBName(m.module))?.data as Float64Array;
    if (base === undefined) throw new Error(m.baseWeight);
    const w = Float64Array.from(base.data as Float32Array);
    for (let o = 0; o < m.outFeatures; o++) {
      for (let i = 0; i < m.inFeatures; i++) {
        let ba = 0;
        for (let k = 0; k < config.r; k++)
          ba += (b[o * config.r + k] as number) * (a[k * m.inFeatures + i] as number);
        const at = m.layout === "conv1d" ? i * m.outFeatures + o : o * m.inFeatures + i;
        w[at] = (w[at] as number) + s * ba;
      }
    }
    weights.set(m.baseWeight, { ...base, data: w });
  }
  return { ...model, weights };
}

async function logps(
  session: { runPacked(b: PackedBatch): Promise<{ logp: number }[]> },
  batch: PackedBatch,
) {
  return (await session.runPacked(batch)).map((r) => r.logp);
}

describe.each(["llama", "gpt2"] as const)("LoRA graphs and training (%s)", (family) => {
  let model: PretrainedModel;
  let batch: PackedBatch;
  const config: LoraConfig = { r: 3, alpha: 5, targets: ["all-linear"] };
  let adapters: WeightMap;
  let reference: number[];

  beforeAll(async () => {
    model = await createTinyModel({
      family,
      seed: 3,
      hiddenSize: 16,
      numLayers: 2,
      numHeads: 2,
      intermediateSize: 24,
    });
    batch = pack(model);
    adapters = randomAdapters(model, config, 11);
    const base = await LogProbSession.create(model, {}, { dtype: "float64" });
    // The reference: the base model, shifted so that the loss is not at a symmetric point.
    reference = (await logps(base, batch)).map((v, i) => v + [0.3, -0.2, 0.5, -0.4][i]!);
    await base.release();
  });

  it.each(["float64", "float32"] as const)(
    "lora_scale 0 gives exactly the base model's log-probs (%s), 1 the merged model's (float64: 1e-12)",
    async (dtype) => {
      const base = await LogProbSession.create(model, {}, { dtype });
      const lora = await LoraLogProbSession.create(model, config, adapters, {}, { dtype });
      const wrapped = loraModules(model, ["all-linear"]).length;
      expect(wrapped).toBe(family === "llama" ? 14 : 8);
      lora.scale = 0;
      expect(await logps(lora, batch)).toEqual(await logps(base, batch));
      lora.scale = 1;
      const adapted = await logps(lora, batch);
      await base.release();
      await lora.release();
      const merged = await LogProbSession.create(mergedModel(model, config, adapters), {}, { dtype });
      const expected = await logps(merged, batch);
      await merged.release();
      for (const [i, v] of adapted.entries()) {
        const want = expected[i] as number;
        const tolerance = dtype === "float64" ? 1e-12 : 1e-4;
        expect(Math.abs(v - want), `row ${i}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(want)));
      }
      // The adapters change the model by far more than the tolerance.
      expect(Math.abs((adapted[0] as number) - (await logpsOfBase(model, dtype))[0]!)).toBeGreaterThan(1e-3);
    },
  );

  async function logpsOfBase(m: PretrainedModel, dtype: "float32" | "float64") {
    const s = await LogProbSession.create(m, {}, { dtype });
    try {
      return await logps(s, batch);
    } finally {
      await s.release();
    }
  }

  it.each(["apo_zero", "sigmoid", "apo_down"])(
    "one SGD step's adapter update (lr 1, no clipping) equals central finite differences of the %s loss (float64)",
    async (loss) => {
      const s = await TrainStepSession.create(model, {
        dtype: "float64",
        loss,
        optimizer: "sgd",
        maxGradNorm: Number.POSITIVE_INFINITY,
        lora: config,
        adapters,
      });
      // Trainable weights: exactly the adapters, in module order; the base weights are initializers.
      const modules = loraModules(model, config.targets);
      expect(s.artifact.weights).toEqual(modules.flatMap((m) => [loraAName(m.module), loraBName(m.module)]));
      const inputs = s.artifact.model.graph.inputs.map((i) => i.name);
      expect(inputs).toContain(LORA_SCALE_INPUT);
      for (const m of modules) expect(inputs).not.toContain(m.baseWeight);
      const { coordinates } = await stepFiniteDifferences(
        s,
        () => s.step(batch, reference, 1),
        async () => (await s.step(batch, reference, 0)).loss,
      );
      for (const { name, index, grad, fd } of coordinates) {
        expect(Math.abs(grad - fd), `${name}[${index}]: ${grad} vs ${fd}`).toBeLessThanOrEqual(
          1e-8 + 1e-6 * Math.abs(fd),
        );
      }
      const checked = coordinates.filter((c) => Math.abs(c.fd) > 1e-6).length;
      expect(checked).toBeGreaterThan(modules.length * 2);
      await s.release();
    },
  );

  it.each(Object.keys(OPTIMIZERS) as OptimizerName[])(
    "from PEFT's initialisation, one %s step makes B non-zero and leaves A (zero gradient) and the base weights unchanged",
    async (optimizer) => {
      const fresh = initLoraWeights(model, config, 5, "float32");
      const baseCopy = new Map(
        [...model.weights].map(([k, t]) => [k, Float64Array.from(t.data as Float32Array)]),
      );
      const s = await TrainStepSession.create(model, {
        optimizer,
        lora: config,
        adapters: fresh,
        lossParams: {},
      });
      expect(s.weights.size).toBe(loraModules(model, config.targets).length * 2);
      // Optimizer state exists for the adapters only.
      expect(s.state.size).toBe(s.weights.size * s.artifact.stateSlots.length);
      for (const key of s.state.keys()) expect(key).toMatch(/lora_[AB]\.weight$/);
      const out = await s.step(batch, reference, 1e-3);
      expect(Number.isFinite(out.loss)).toBe(true);
      expect(out.gradNorm).toBeGreaterThan(0);
      for (const [name, w] of s.weights) {
        const start = fresh.get(name)?.data as Float32Array;
        const moved = w.some((v, i) => v !== start[i]);
        if (name.endsWith("lora_B.weight")) expect(moved, name).toBe(true);
        else if (optimizer !== "adamw") expect(moved, name).toBe(false); // AdamW's decay moves A a little
      }
      for (const [k, t] of model.weights)
        expect(Float64Array.from(t.data as Float32Array)).toEqual(baseCopy.get(k));
      await s.release();
    },
  );

  it("two micro-batches of one pair make the same adapter update as one batch of both (float64); adapters default to PEFT's init", async () => {
    const options = { dtype: "float64" as const, optimizer: "rmsprop" as const, lora: config, adapters };
    const whole = await TrainStepSession.create(model, options);
    const split = await TrainStepSession.create(model, { ...options, accumulationSteps: 2 });
    await whole.step(batch, reference, 1e-2);
    const half = (rows: number[]) =>
      packSequences(
        rows.map(
          (i) =>
            [
              { promptIds: [1, 40, 50], completionIds: [70, 80, 2] },
              { promptIds: [1, 9], completionIds: [100, 101, 102, 2] },
              { promptIds: [1, 40, 50], completionIds: [71, 2] },
              { promptIds: [1, 9], completionIds: [103, 2] },
            ][i] as { promptIds: number[]; completionIds: number[] },
        ),
        { padId: 0, maxLength: model.config.maxPositions, vocabSize: model.config.vocabSize },
      );
    await split.stepAccumulated(
      [
        { batch: half([0, 2]), referenceLogp: [reference[0] as number, reference[2] as number] },
        { batch: half([1, 3]), referenceLogp: [reference[1] as number, reference[3] as number] },
      ],
      1e-2,
    );
    for (const [name, w] of whole.weights) {
      const v = split.weights.get(name) as Float64Array;
      for (let i = 0; i < w.length; i++)
        expect(Math.abs((v[i] as number) - (w[i] as number))).toBeLessThan(1e-12);
    }
    await whole.release();
    await split.release();
    const defaulted = await TrainStepSession.create(model, { lora: config });
    const peft = initLoraWeights(model, config, 0, "float32");
    for (const [name, w] of defaulted.weights) expect(w).toEqual(peft.get(name)?.data);
    await defaulted.release();
  });

  it("refuses r ≤ 0, alpha ≤ 0 naming the parameter, and an unknown target listing the linear layers", async () => {
    const tryBuild = (lora: LoraConfig) => TrainStepSession.create(model, { lora, adapters: new Map() });
    await expect(tryBuild({ r: 0, alpha: 8, targets: ["all-linear"] })).rejects.toMatchObject({
      field: "lora.r",
    });
    await expect(tryBuild({ r: 4, alpha: 0, targets: ["all-linear"] })).rejects.toMatchObject({
      field: "lora.alpha",
    });
    const error = await tryBuild({ r: 4, alpha: 8, targets: ["qq_proj"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoraTargetError);
    expect(String((error as Error).message)).toContain("qq_proj");
    expect(String((error as Error).message)).toContain(family === "llama" ? "q_proj" : "c_attn");
  });
});
