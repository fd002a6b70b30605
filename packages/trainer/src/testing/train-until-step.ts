import { type TrainSummary, train } from "../train/train.js";
import type { TrainOptions } from "../train/train-options.js";

/**
 * Runs {@link train} and interrupts it (through its `signal`) once step `step` is reported, as Ctrl-C after
 * that step would: the run saves its state and returns with `interrupted: true`, ready for `resumeFrom`.
 * Any `onStep` of `options` still sees every step.
 *
 * @example
 * ```ts
 * const stopped = await trainUntilStep({ ...options, out }, 4); // { interrupted: true, step: 4, … }
 * const resumed = await train({ resumeFrom: out });
 * ```
 */
export async function trainUntilStep(options: TrainOptions, step: number): Promise<TrainSummary> {
  const controller = new AbortController();
  return train({
    ...options,
    signal: controller.signal,
    onStep: (report) => {
      options.onStep?.(report);
      if (report.step === step) controller.abort();
    },
  });
}
