import { createTinyModel, loraModules } from "@apo/trainer";
import { describe, expect, it } from "vitest";
import { align } from "./align.js";
import type { Pair } from "./datasets.js";

const pairs: Pair[] = Array.from({ length: 12 }, (_, i) => ({
  prompt: `${i} + ${i} =`,
  chosen: `${2 * i}`,
  rejected: `${2 * i + 1}`,
}));

describe("align with LoRA (--lora)", () => {
  it("trains adapters only: held-out rewards move, and only the wrapped layers of the merged model change", async () => {
    const model = await createTinyModel({
      family: "llama",
      seed: 4,
      hiddenSize: 32,
      numLayers: 2,
      numHeads: 4,
      intermediateSize: 96,
      maxPositions: 64,
    });
    const lora = { r: 4, alpha: 8, targets: ["q_proj", "v_proj"] };
    const epochs: number[] = [];
    const result = await align(model, pairs.slice(0, 8), pairs.slice(8), {
      objective: "APO-zero",
      beta: 0.1,
      lr: 1e-2,
      epochs: 2,
      pairsPerStep: 4,
      trajectoryPointsPerEpoch: 1,
      seed: 1,
      lora,
      onEpoch: async (epoch) => {
        epochs.push(epoch);
      },
    });
    expect(epochs).toEqual([1, 2]);
    const [start, end] = [result.trajectory[0], result.trajectory.at(-1)];
    expect(start?.chosenReward).toBe(0);
    expect(end?.chosenReward).not.toBe(0);
    const wrapped = new Set(loraModules(model, lora.targets).map((m) => m.baseWeight));
    for (const [name, t] of model.weights) {
      const after = result.model.weights.get(name)?.data as Float32Array;
      const changed = after.some((v, i) => v !== (t.data as Float32Array)[i]);
      expect(changed, name).toBe(wrapped.has(name));
    }
  }, 60_000);
});
