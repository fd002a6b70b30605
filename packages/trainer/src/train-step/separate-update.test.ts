import { describe, expect, it } from "vitest";
import { createTinyModel } from "../models/create-tiny-model.js";
import type { FloatType } from "../models/model-family.js";
import { twoPairBatch } from "../testing/two-pair-batch.js";
import type { OptimizerName } from "./optimizers/index.js";
import { TrainConfigError } from "./train-config-error.js";
import {
  buildTrainStep,
  clippedGradName,
  stateInputName,
  updatedStateName,
  updatedWeightName,
} from "./train-step-graph.js";
import { TrainStepSession } from "./train-step-session.js";
import type { FloatArray } from "./training-state.js";

const pack = twoPairBatch;

/** Index of the first element whose bits differ (−0 ≠ +0, NaN payloads count), or −1. */
function firstBitDifference(a: FloatArray, b: FloatArray): number {
  if (a.length !== b.length || a.constructor !== b.constructor) return 0;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Math.floor(i / a.BYTES_PER_ELEMENT);
  return -1;
}

function expectSameBits(a: FloatArray, b: FloatArray, what: string): void {
  const i = firstBitDifference(a, b);
  expect(i, `${what}[${i}]: ${a[i]} vs ${b[i]}`).toBe(-1);
}

const OPTIMIZERS: readonly [OptimizerName, Record<string, number>][] = [
  ["sgd", { momentum: 0.9, weightDecay: 0.01 }],
  ["sgd", {}],
  ["rmsprop", { weightDecay: 0.01 }],
  ["adamw", { weightDecay: 0.1 }],
];

describe.each(["llama", "gpt2"] as const)("separate optimizer update (%s)", (family) => {
  it.each(
    (["float32", "float64"] as const).flatMap((dtype) =>
      OPTIMIZERS.map(([optimizer, config]) => [dtype, optimizer, config] as const),
    ),
  )(
    "%s %s %o: every step's loss, grad norm, log-probs, weight and state bit-equal to the in-graph update",
    async (dtype: FloatType, optimizer, optimizerConfig) => {
      const model = await createTinyModel({ family, seed: 4, numLayers: 2 });
      const batch = pack(model);
      const options = { dtype, optimizer, optimizerConfig, maxGradNorm: 0.05, loss: "apo_zero" } as const;
      const separate = await TrainStepSession.create(model, options);
      const inGraph = await TrainStepSession.create(model, { ...options, separateUpdate: false });
      expect(separate.artifact.separateUpdate).toBe(true);
      expect(inGraph.artifact.separateUpdate).toBe(false);
      const arrays = new Map(separate.weights);
      const reference = Array.from((await inGraph.step(batch, [0, 0, 0, 0], 0)).policyLogp).map(
        (v, i) => v + [0.3, -0.2, 0.5, -0.4][i]!,
      );
      // Four optimizer steps with a changing learning rate, and an evaluation (lr 0) between them.
      for (const lr of [1e-3, 2e-3, 0, 5e-4, 1e-3]) {
        const a = await separate.step(batch, reference, lr);
        const b = await inGraph.step(batch, reference, lr);
        expect(Object.is(a.loss, b.loss), `loss ${a.loss} vs ${b.loss}`).toBe(true);
        expect(Object.is(a.gradNorm, b.gradNorm), `grad norm ${a.gradNorm} vs ${b.gradNorm}`).toBe(true);
        expect(a.gradNorm).toBeGreaterThan(options.maxGradNorm); // the clipping is exercised
        expectSameBits(a.policyLogp, b.policyLogp, "policy_logp");
        expectSameBits(a.losses, b.losses, "losses");
        expect(separate.steps).toBe(inGraph.steps);
        for (const [name, w] of inGraph.weights) expectSameBits(separate.weights.get(name)!, w, name);
        expect([...separate.state.keys()]).toEqual([...inGraph.state.keys()]);
        for (const [name, s] of inGraph.state) expectSameBits(separate.state.get(name)!, s, name);
      }
      expect(separate.steps).toBe(4);
      // Updated in place: the session's arrays are the ones it started with.
      for (const [name, w] of separate.weights) expect(w, name).toBe(arrays.get(name));
      await separate.release();
      await inGraph.release();
    },
  );
});

describe("the separate update's training graph", () => {
  it("outputs each weight's clipped gradient instead of the updated weights, and takes no state", async () => {
    const model = await createTinyModel({ family: "llama", seed: 1 });
    const plain = buildTrainStep(model, { optimizer: "adamw" });
    const split = buildTrainStep(model, { optimizer: "adamw", separateUpdate: true });
    const names = (vs: readonly { name: string }[]) => vs.map((v) => v.name);
    const w = split.weights[0] as string;
    expect(names(plain.model.graph.inputs)).toContain(stateInputName("exp_avg", w));
    expect(names(plain.model.graph.outputs)).toContain(updatedWeightName(w));
    expect(names(plain.model.graph.outputs)).toContain(updatedStateName("exp_avg_sq", w));
    expect(names(split.model.graph.inputs).filter((n) => n.startsWith("state/"))).toEqual([]);
    expect(names(split.model.graph.outputs).filter((n) => n.startsWith("updated"))).toEqual([]);
    expect(names(split.model.graph.outputs)).toEqual([
      ...split.weights.map(clippedGradName),
      ...names(plain.model.graph.outputs).filter((n) => !n.startsWith("updated")),
    ]);
    // The clipped gradient is the Mul's own output, not a copy of it.
    const producer = split.model.graph.nodes.find((n) => n.outputs.includes(clippedGradName(w)));
    expect(producer?.opType).toBe("Mul");
  });

  it("is refused with accumulation or LoRA, which keep the update in the graph", async () => {
    const model = await createTinyModel({ family: "gpt2", seed: 1 });
    expect(() => buildTrainStep(model, { separateUpdate: true, accumulate: true })).toThrow(TrainConfigError);
    expect(() =>
      buildTrainStep(model, { separateUpdate: true, lora: { r: 2, alpha: 4, targets: ["c_attn"] } }),
    ).toThrow(/separateUpdate/);
    await expect(
      TrainStepSession.create(model, { separateUpdate: true, accumulationSteps: 2 }),
    ).rejects.toMatchObject({ field: "separateUpdate" });
    const acc = await TrainStepSession.create(model, { accumulationSteps: 2 });
    expect(acc.artifact.separateUpdate).toBe(false);
    await acc.release();
  });
});
