import { checkNumber } from "../train-step/train-config-error.js";

/** A linear learning-rate schedule: optional linear warmup, then linear decay to 0 at the last step. */
export interface LinearSchedule {
  /** Peak learning rate. */
  readonly lr: number;
  /** Optimizer steps of the whole run. */
  readonly totalSteps: number;
  /** Steps of linear warmup (default 0). */
  readonly warmupSteps?: number;
}

/**
 * Learning rate of optimizer step `step` (0-based) under a {@link LinearSchedule}: as Hugging Face's
 * `get_linear_schedule_with_warmup`, except that warmup starts at lr/W instead of 0 (an lr of 0 would
 * make the step a no-op), so every step moves the weights.
 *
 * ```text
 * lr(s) = lr · (s + 1) / W              s < W
 * lr(s) = lr · (T − s) / (T − W)        W ≤ s < T       (first: lr, last: lr / (T − W))
 * ```
 *
 * @example
 * ```ts
 * learningRateAt({ lr: 2e-7, totalSteps: 100 }, 0);  // 2e-7
 * learningRateAt({ lr: 2e-7, totalSteps: 100 }, 99); // 2e-9
 * ```
 */
export function learningRateAt(schedule: LinearSchedule, step: number): number {
  const { lr, totalSteps } = schedule;
  const warmup = schedule.warmupSteps ?? 0;
  checkNumber("step", step, 0, totalSteps, { hiOpen: true });
  if (step < warmup) return (lr * (step + 1)) / warmup;
  return (lr * (totalSteps - step)) / (totalSteps - warmup);
}
