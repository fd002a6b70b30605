import { describe, expect, it } from "vitest";
import { prepareMicroBatch, prepareUnpairedMicroBatch } from "../data/micro-batches.js";
import type { TrainPair } from "../data/read-pairs.js";
import { createTinyModel } from "../models/create-tiny-model.js";
import { PER_SEQUENCE_MIN_LENGTH } from "../models/graph-helpers.js";
import { BatchError } from "../models/model-errors.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { TrainStepSession } from "../train-step/train-step-session.js";
import { LogProbSession } from "./log-prob-session.js";
import { type TrainingForward, trainingBatchLogProbs } from "./training-batch-log-probs.js";

/** Pairs of unequal lengths, so that batches pad to different lengths. */
function pairsOf(n: number): TrainPair[] {
  const ids = (from: number, length: number) => Array.from({ length }, (_, i) => 3 + ((from + 7 * i) % 250));
  return Array.from({ length: n }, (_, i) => ({
    line: i + 1,
    chosen: { promptIds: [1, ...ids(i, 2 + ((3 * i) % 9))], completionIds: ids(40 + i, 2 + ((5 * i) % 23)) },
    rejected: {
      promptIds: [1, ...ids(i, 2 + ((3 * i) % 9))],
      completionIds: ids(90 + i, 1 + ((7 * i) % 31)),
    },
  }));
}

/** The policy log-probs the training step computes for `forward`'s batches, at lr 0 (no update). */
async function stepPolicyLogProbs(
  model: PretrainedModel,
  pairs: readonly TrainPair[],
  forward: TrainingForward,
  reference: Awaited<ReturnType<typeof trainingBatchLogProbs>>,
): Promise<{ chosen: number[]; rejected: number[] }> {
  const unpaired = forward.rows === "chosen";
  const session = await TrainStepSession.create(model, {
    loss: unpaired ? "apo_zero_unpaired" : "sigmoid",
    accumulationSteps: 2,
    expectedSequenceLength: forward.expectedSequenceLength,
  });
  const chosen = new Array<number>(pairs.length);
  const rejected = new Array<number>(pairs.length);
  try {
    for (const indices of forward.batches) {
      const labels = pairs.map((_, i) => i % 2 === 0);
      const micro = unpaired
        ? prepareUnpairedMicroBatch(model, pairs, reference, labels, indices, false)
        : prepareMicroBatch(model, pairs, reference, indices);
      const [result] = await session.stepAccumulated([micro], 0);
      indices.forEach((i, k) => {
        chosen[i] = result?.policyLogp[k] as number;
        if (!unpaired) rejected[i] = result?.policyLogp[indices.length + k] as number;
      });
    }
  } finally {
    await session.release();
  }
  return { chosen, rejected };
}

describe("reference log-probs in the training step's forward", () => {
  const pairs = pairsOf(7);
  const batches = [
    [4, 1, 6],
    [0, 3],
    [2, 5],
  ];

  it.each([
    ["llama, 2-D Gemm form", "llama", 16, "pairs"],
    ["llama, per-sequence form", "llama", PER_SEQUENCE_MIN_LENGTH, "pairs"],
    ["gpt2, 2-D Gemm form", "gpt2", 16, "pairs"],
    ["llama, unpaired examples alone", "llama", 16, "chosen"],
  ] as const)(
    "%s: bit for bit the first step's policy log-probs (float32)",
    async (_, family, expected, rows) => {
      const model = await createTinyModel({ family, seed: 11 });
      const forward: TrainingForward = { batches, rows, expectedSequenceLength: expected };
      const session = await LogProbSession.create(
        model,
        {},
        { trainable: "all", expectedSequenceLength: expected },
      );
      const reference = await trainingBatchLogProbs(session, model, pairs, forward).finally(() =>
        session.release(),
      );
      const policy = await stepPolicyLogProbs(model, pairs, forward, reference);
      expect([...reference.chosen]).toEqual(policy.chosen);
      if (rows === "pairs") expect([...reference.rejected]).toEqual(policy.rejected);
      // Each value is a completion's log-prob: its tokens are counted, and the sum is negative.
      pairs.forEach((p, i) => {
        expect(reference.chosenTokens[i]).toBe(p.chosen.completionIds.length);
        expect(reference.rejectedTokens[i]).toBe(p.rejected.completionIds.length);
        expect(reference.rejected[i]).toBeLessThan(0);
      });
    },
  );

  it("agrees with the log-prob graph to float32 rounding, and equals it in float64 to 1e-12", async () => {
    const m = await createTinyModel({ family: "llama", seed: 12 });
    for (const [dtype, tolerance] of [
      ["float32", 1e-5],
      ["float64", 1e-12],
    ] as const) {
      const forward: TrainingForward = { batches, rows: "pairs", expectedSequenceLength: 16 };
      const trainingForm = await LogProbSession.create(
        m,
        {},
        { dtype, trainable: "all", expectedSequenceLength: 16 },
      );
      const plain = await LogProbSession.create(m, {}, { dtype });
      try {
        const got = await trainingBatchLogProbs(trainingForm, m, pairs, forward);
        const want = await plain.run([...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)]);
        pairs.forEach((_, i) => {
          const c = want[i]?.logp as number;
          const r = want[pairs.length + i]?.logp as number;
          expect(Math.abs((got.chosen[i] as number) - c) / Math.abs(c), dtype).toBeLessThan(tolerance);
          expect(Math.abs((got.rejected[i] as number) - r) / Math.abs(r), dtype).toBeLessThan(tolerance);
        });
      } finally {
        await trainingForm.release();
        await plain.release();
      }
    }
  });

  it("refuses batches that miss or repeat a pair", async () => {
    const model = await createTinyModel({ family: "llama", seed: 13 });
    const session = await LogProbSession.create(model, {}, { trainable: "all", expectedSequenceLength: 16 });
    try {
      const run = (b: number[][]) =>
        trainingBatchLogProbs(session, model, pairs.slice(0, 3), {
          batches: b,
          rows: "pairs",
          expectedSequenceLength: 16,
        });
      await expect(run([[0, 1]])).rejects.toThrow(/pair 2 is missing/);
      await expect(
        run([
          [0, 1],
          [1, 2],
        ]),
      ).rejects.toThrow(BatchError);
      await expect(run([[0, 1, 2, 3]])).rejects.toThrow(/pair 3 is not/);
    } finally {
      await session.release();
    }
  });
});
