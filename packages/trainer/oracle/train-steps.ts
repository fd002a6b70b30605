import { computeLogProbs } from "../src/logprobs/log-prob-session.js";
import { packSequences } from "../src/logprobs/pack-sequences.js";
import type { PretrainedModel } from "../src/models/pretrained-model.js";
import { TrainStepSession } from "../src/train-step/train-step-session.js";
import type { StepCase } from "./step-cases.js";
import { stepRows } from "./step-cases.js";

/** What a few optimizer steps produced: the loss and pre-clipping gradient norm of each, the final weights. */
export interface StepRun {
  readonly losses: number[];
  readonly gradNorms: number[];
  readonly weights: Map<string, Float64Array>;
}

/**
 * Our side of the training-step oracle: `c.steps` steps of `TrainStepSession` in float64 on the case's pairs,
 * with reference log-probs from the initial model.
 *
 * @example
 * ```ts
 * const run = await trainSteps(model, STEP_CASES[0]);
 * ```
 */
export async function trainSteps(model: PretrainedModel, c: StepCase): Promise<StepRun> {
  const { chosen, rejected } = stepRows(c, model.config.vocabSize);
  const rows = [...chosen, ...rejected];
  const reference = (await computeLogProbs(model, rows, { dtype: "float64" })).map((r) => r.logp);
  const batch = packSequences(rows, {
    padId: 0,
    maxLength: model.config.maxPositions,
    vocabSize: model.config.vocabSize,
  });
  const session = await TrainStepSession.create(model, {
    loss: c.loss,
    lossParams: { beta: c.beta },
    optimizer: c.optimizer,
    optimizerConfig: { ...c.optimizerConfig },
    maxGradNorm: c.maxGradNorm,
    dtype: "float64",
  });
  const losses: number[] = [];
  const gradNorms: number[] = [];
  for (let s = 0; s < c.steps; s++) {
    const result = await session.step(batch, reference, c.lr);
    losses.push(result.loss);
    gradNorms.push(result.gradNorm);
  }
  const weights = new Map([...session.weights].map(([name, w]) => [name, Float64Array.from(w)]));
  await session.release();
  return { losses, gradNorms, weights };
}
