import { describe, expect, it } from "vitest";
import { packSequences } from "../logprobs/pack-sequences.js";
import { createTinyModel } from "../models/create-tiny-model.js";
import { FusedTrainSession } from "./fused-train-session.js";
import { TrainStepSession } from "./train-step-session.js";

describe.each(["llama", "gpt2"] as const)("K steps fused in one Loop (%s)", (family) => {
  it("give the same weights, state and per-step losses as K single steps", async () => {
    const model = await createTinyModel({
      family,
      seed: 4,
      hiddenSize: 16,
      numLayers: 1,
      numHeads: 2,
      intermediateSize: 24,
    });
    const limits = { padId: 0, maxLength: model.config.maxPositions, vocabSize: model.config.vocabSize };
    const batches = [
      [
        { promptIds: [1, 40], completionIds: [70, 80, 2] },
        { promptIds: [1, 40], completionIds: [71, 2] },
      ],
      [
        { promptIds: [1, 9, 9, 9], completionIds: [100, 2] },
        { promptIds: [1, 9, 9, 9], completionIds: [103, 104, 105, 106, 2] },
      ],
      [
        { promptIds: [1, 33], completionIds: [34, 2] },
        { promptIds: [1, 33], completionIds: [35, 2] },
      ],
    ].map((rows, k) => ({ batch: packSequences(rows, limits), referenceLogp: [-20 - k, -25 + k] }));
    const lrs = [0.01, 0.007, 0.004];
    const options = { dtype: "float64", optimizer: "adamw", loss: "apo_down" } as const;
    const single = await TrainStepSession.create(model, options);
    const fused = await FusedTrainSession.create(model, options);
    const expected = [];
    for (let k = 0; k < 3; k++)
      expected.push(await single.step(batches[k]!.batch, batches[k]!.referenceLogp, lrs[k]!));
    const got = await fused.run(batches, lrs);
    for (let k = 0; k < 3; k++) {
      expect(got[k]!.loss).toBeCloseTo(expected[k]!.loss, 12);
      expect(got[k]!.gradNorm).toBeCloseTo(expected[k]!.gradNorm, 10);
      expect(Array.from(got[k]!.policyLogp)).toEqual(
        Array.from(expected[k]!.policyLogp).map((v) => expect.closeTo(v, 10)),
      );
    }
    expect(fused.steps).toBe(3);
    for (const [name, w] of single.weights) {
      const f = fused.weights.get(name)!;
      for (let i = 0; i < w.length; i += Math.max(1, Math.floor(w.length / 5)))
        expect(f[i]).toBeCloseTo(w[i]!, 12);
    }
    for (const [name, s] of single.state) expect(fused.state.get(name)![0]).toBeCloseTo(s[0]!, 12);
    await single.release();
    await fused.release();
  });
});
