import { describe, expect, it } from "vitest";
import { LogProbSession } from "../logprobs/log-prob-session.js";
import { packSequences } from "../logprobs/pack-sequences.js";
import { createTinyModel } from "../models/create-tiny-model.js";
import { PER_SEQUENCE_MIN_LENGTH } from "../models/graph-helpers.js";
import { TrainStepSession } from "../train-step/train-step-session.js";
import { initLoraWeights } from "./init-lora-weights.js";
import type { LoraConfig } from "./lora-config.js";
import { openLoraReferenceSession } from "./lora-reference-session.js";

describe("LoRA reference: the training step's forward with lora_scale 0", () => {
  it.each([
    ["llama", 40],
    ["llama", PER_SEQUENCE_MIN_LENGTH + 20],
    ["gpt2", 40],
  ] as const)(
    "%s, %i tokens: bit for bit the first LoRA step's policy log-probs (float32), the base model's to rounding",
    async (family, length) => {
      const model = await createTinyModel({
        family,
        seed: 8,
        hiddenSize: 32,
        numLayers: 2,
        numHeads: 4,
        intermediateSize: 48,
        maxPositions: 512,
      });
      const ids = (from: number, n: number) =>
        Array.from({ length: n }, (_, i) => 3 + ((from + 11 * i) % 250));
      const rows = [
        { promptIds: [1, ...ids(0, 5)], completionIds: ids(3, length - 6) },
        { promptIds: [1, ...ids(1, 3)], completionIds: ids(5, length - 20) },
        { promptIds: [1, ...ids(0, 5)], completionIds: ids(9, length - 16) },
        { promptIds: [1, ...ids(1, 3)], completionIds: ids(7, length - 4) },
      ];
      const batch = packSequences(rows, { padId: 0, maxLength: 512, vocabSize: model.config.vocabSize });
      const config: LoraConfig = { r: 4, alpha: 8, targets: ["all-linear"] };
      const adapters = initLoraWeights(model, config, 3);
      const reference = await openLoraReferenceSession(model, { config, adapters }, {}, "float32", length);
      const expected = (await reference.runPacked(batch)).map((r) => r.logp);
      await reference.release();
      const step = await TrainStepSession.create(model, {
        lora: config,
        adapters,
        loss: "sigmoid",
        expectedSequenceLength: length,
      });
      const policy = Array.from((await step.step(batch, expected, 0)).policyLogp);
      await step.release();
      expect(policy).toEqual(expected);
      const base = await LogProbSession.create(model);
      const plain = (await base.runPacked(batch)).map((r) => r.logp);
      await base.release();
      for (const [i, v] of plain.entries()) expect(Math.abs(v - (expected[i] as number))).toBeLessThan(1e-3);
    },
  );
});
