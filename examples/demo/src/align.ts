import { type PretrainedModel, packSequences, TrainStepSession } from "@apo/trainer";
import type { Pair } from "./datasets.js";
import { encodePair, withWeights } from "./model-io.js";
import { seededRandom } from "./task.js";

/** The objectives the demo compares, by TRL name. */
export const ALIGNMENT_LOSSES = { "APO-zero": "apo_zero", "APO-down": "apo_down", DPO: "sigmoid" } as const;
export type AlignmentLossName = keyof typeof ALIGNMENT_LOSSES;

/** Options of {@link align}. */
export interface AlignOptions {
  loss: AlignmentLossName;
  beta: number;
  lr: number;
  steps: number;
  pairsPerStep: number;
  evalEvery: number;
  seed: number;
}

/** Held-out statistics at one step: the paper's Figure 4 quantities. */
export interface TrajectoryPoint {
  step: number;
  /** Mean summed log-likelihood of the held-out chosen / rejected answers. */
  chosenLogp: number;
  rejectedLogp: number;
  /** Mean implicit rewards β·(log π − log π_ref). */
  chosenReward: number;
  rejectedReward: number;
  /** Share of held-out pairs whose chosen reward exceeds the rejected one. */
  rewardAccuracy: number;
}

/** Policy log-probs of pairs (chosen then rejected per chunk) without changing the weights (lr = 0). */
async function logProbs(
  session: TrainStepSession,
  model: PretrainedModel,
  pairs: readonly Pair[],
  chunk: number,
  reference?: { chosen: number[]; rejected: number[] },
): Promise<{ chosen: number[]; rejected: number[] }> {
  const chosen: number[] = [];
  const rejected: number[] = [];
  for (let start = 0; start < pairs.length; start += chunk) {
    const part = pairs.slice(start, start + chunk);
    const batch = pack(model, part);
    const ref = reference
      ? [
          ...reference.chosen.slice(start, start + part.length),
          ...reference.rejected.slice(start, start + part.length),
        ]
      : new Array(2 * part.length).fill(0);
    const out = await session.step(batch, ref, 0);
    chosen.push(...Array.from(out.policyLogp.subarray(0, part.length)));
    rejected.push(...Array.from(out.policyLogp.subarray(part.length)));
  }
  return { chosen, rejected };
}

function pack(model: PretrainedModel, pairs: readonly Pair[]) {
  const rows = [
    ...pairs.map((p) => encodePair(model, p.prompt, p.chosen)),
    ...pairs.map((p) => encodePair(model, p.prompt, p.rejected)),
  ];
  return packSequences(rows, {
    padId: 0,
    maxLength: model.config.maxPositions,
    vocabSize: model.config.vocabSize,
  });
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * Aligns a copy of the model on preference pairs with one objective (RMSProp, the paper's optimizer, linear
 * decay to 0), evaluating the held-out pairs every `evalEvery` steps. The reference is the model itself.
 * @example const { model: aligned, trajectory } = await align(weak, pairs, heldOut, { loss: "APO-zero", ... });
 */
export async function align(
  model: PretrainedModel,
  train: readonly Pair[],
  heldOut: readonly Pair[],
  options: AlignOptions,
): Promise<{ model: PretrainedModel; trajectory: TrajectoryPoint[] }> {
  const session = await TrainStepSession.create(model, {
    loss: ALIGNMENT_LOSSES[options.loss],
    lossParams: { beta: options.beta },
    optimizer: "rmsprop",
    maxGradNorm: 1,
    sessionOptions: { intraOpNumThreads: 1 },
  });
  const chunk = options.pairsPerStep;
  const reference = await logProbs(session, model, train, chunk);
  const heldOutReference = await logProbs(session, model, heldOut, chunk);
  const trajectory: TrajectoryPoint[] = [];
  const evaluate = async (step: number) => {
    const now = await logProbs(session, model, heldOut, chunk, heldOutReference);
    const cr = now.chosen.map((v, i) => options.beta * (v - (heldOutReference.chosen[i] as number)));
    const rr = now.rejected.map((v, i) => options.beta * (v - (heldOutReference.rejected[i] as number)));
    trajectory.push({
      step,
      chosenLogp: mean(now.chosen),
      rejectedLogp: mean(now.rejected),
      chosenReward: mean(cr),
      rejectedReward: mean(rr),
      rewardAccuracy: mean(cr.map((c, i) => (c > (rr[i] as number) ? 1 : 0))),
    });
  };
  await evaluate(0);
  const rand = seededRandom(options.seed);
  const order = train.map((_, i) => i);
  let cursor = order.length;
  for (let step = 1; step <= options.steps; step++) {
    const picked: number[] = [];
    while (picked.length < Math.min(chunk, order.length)) {
      if (cursor >= order.length) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [order[i], order[j]] = [order[j] as number, order[i] as number];
        }
        cursor = 0;
      }
      picked.push(order[cursor++] as number);
    }
    const pairs = picked.map((i) => train[i] as Pair);
    const ref = [
      ...picked.map((i) => reference.chosen[i] as number),
      ...picked.map((i) => reference.rejected[i] as number),
    ];
    await session.step(pack(model, pairs), ref, options.lr * (1 - (step - 1) / options.steps));
    if (step % options.evalEvery === 0 || step === options.steps) await evaluate(step);
  }
  const aligned = withWeights(model, session.weights);
  await session.release();
  return { model: aligned, trajectory };
}
