import type { MicroBatch, TrainStepResult, TrainStepSession } from "../train-step/train-step-session.js";

/**
 * One micro-batch ready for the training graph: 2B packed rows and their reference log-probs (unpaired
 * losses: the B examples, then their B mismatched sequences when the loss uses KL, and the B `labels`;
 * pairs read with anchors: their B `anchorDown` weights).
 */
export interface PreparedMicroBatch extends MicroBatch {
  readonly referenceLogp: Float64Array;
  /** Pairs (unpaired: examples) in it (B). */
  readonly pairs: number;
}

/**
 * The one place where the loop hands micro-batches to the training graph: one optimizer step at `lr` over
 * the micro-batches of an effective batch, one result per micro-batch. A single micro-batch is a plain
 * step; several are a gradient-accumulation step (gradients summed, one update with their mean), which
 * needs a session created with `accumulationSteps` > 1.
 *
 * @example
 * ```ts
 * const [result] = await optimizerStep(session, [{ batch, referenceLogp, pairs: 8 }], 2e-7);
 * ```
 */
export async function optimizerStep(
  session: TrainStepSession,
  microBatches: readonly PreparedMicroBatch[],
  lr: number,
): Promise<TrainStepResult[]> {
  const [only] = microBatches;
  if (microBatches.length === 1 && only !== undefined) {
    return [await session.step(only.batch, only.referenceLogp, lr, only.labels, only.anchorDown)];
  }
  return session.stepAccumulated(microBatches, lr);
}
