import { TrainConfigError } from "../artifacts/train-config-error.js";
import type { TrainStepResult, TrainStepSession } from "../artifacts/train-step-session.js";
import type { PackedBatch } from "../logprobs/pack-sequences.js";

/** One micro-batch ready for the training graph: 2B packed rows and their reference log-probs. */
export interface PreparedMicroBatch {
  readonly batch: PackedBatch;
  readonly referenceLogp: Float64Array;
  /** Pairs in it (B). */
  readonly pairs: number;
}

interface Accumulating {
  stepAccumulated(
    microBatches: readonly { batch: PackedBatch; referenceLogp: ArrayLike<number> }[],
    lr: number,
  ): Promise<TrainStepResult[]>;
}

const accumulates = (session: TrainStepSession): session is TrainStepSession & Accumulating =>
  typeof (session as Partial<Accumulating>).stepAccumulated === "function";

/**
 * The one place where the loop hands micro-batches to the training graph: one optimizer step at `lr` over
 * the micro-batches of an effective batch, one result per micro-batch. A single micro-batch is a plain
 * step; several are a gradient-accumulation step (gradients summed, one update with their mean).
 *
 * @throws TrainConfigError (field `microBatchSize`) when several micro-batches are given to a session
 *   that cannot accumulate
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
    return [await session.step(only.batch, only.referenceLogp, lr)];
  }
  if (!accumulates(session)) {
    throw new TrainConfigError(
      "microBatchSize",
      microBatches.length,
      "equal to batchSize: this build's training graph has no gradient accumulation",
    );
  }
  return session.stepAccumulated(microBatches, lr);
}
