import { describe, expect, it } from "vitest";
import { packSequences } from "../logprobs/pack-sequences.js";
import { createTinyModel } from "../models/create-tiny-model.js";
import { TrainStepSession } from "./train-step-session.js";

describe("adoptWeights", () => {
  it("trains in the model's own arrays, with the same results as on copies", async () => {
    const dims = { family: "llama", seed: 2, hiddenSize: 16, numLayers: 1, numHeads: 2 } as const;
    const [mine, theirs] = [await createTinyModel(dims), await createTinyModel(dims)];
    const rows = [
      { promptIds: [1, 40], completionIds: [70, 80, 2] },
      { promptIds: [1, 40], completionIds: [71, 2] },
    ];
    const batch = packSequences(rows, { padId: 0, maxLength: 32, vocabSize: mine.config.vocabSize });
    const adopted = await TrainStepSession.create(mine, { adoptWeights: true });
    const copied = await TrainStepSession.create(theirs);
    const name = "model.layers.0.mlp.up_proj.weight";
    expect(adopted.weights.get(name)).toBe(mine.weights.get(name)?.data);
    expect(copied.weights.get(name)).not.toBe(theirs.weights.get(name)?.data);
    const before = Array.from(theirs.weights.get(name)?.data as Float32Array);
    for (const s of [adopted, copied]) {
      const reference = Array.from((await s.step(batch, [0, 0], 0)).policyLogp).map(
        (v, i) => v + [0.5, -0.5][i]!,
      );
      await s.step(batch, reference, 1e-2);
    }
    expect(Array.from(adopted.weights.get(name) ?? [])).toEqual(Array.from(copied.weights.get(name) ?? []));
    // The adopted model changed with the step; the copied one did not.
    expect(Array.from(mine.weights.get(name)?.data as Float32Array)).toEqual(
      Array.from(adopted.weights.get(name) ?? []),
    );
    expect(Array.from(theirs.weights.get(name)?.data as Float32Array)).toEqual(before);
    expect(Array.from(mine.weights.get(name)?.data as Float32Array)).not.toEqual(before);
    await adopted.release();
    await copied.release();
  });
});
