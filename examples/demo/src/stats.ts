/** Arithmetic mean (0 for no values). */
export function mean(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i] as number;
  return xs.length === 0 ? 0 : sum / xs.length;
}

/** Sample standard deviation (n − 1; 0 for fewer than two values). */
export function standardDeviation(xs: ArrayLike<number>): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += ((xs[i] as number) - m) ** 2;
  return Math.sqrt(sum / (xs.length - 1));
}

/** A difference of two means with its standard error. */
export interface Difference {
  diff: number;
  se: number;
}

/**
 * Mean of aᵢ − bᵢ over the same items (prompts, held-out pairs) and its standard error: the paired standard
 * error, smaller than the unpaired √(se_a² + se_b²) when both are measured on the same items.
 *
 * ```text
 * dᵢ = aᵢ − bᵢ      diff = mean(d)      se = sd(d) / √n
 * ```
 * @example pairedDifference([1, 1, 0, 1], [1, 0, 0, 1]); // { diff: 0.25, se: 0.25 }
 */
export function pairedDifference(a: ArrayLike<number>, b: ArrayLike<number>): Difference {
  if (a.length !== b.length) throw new Error(`paired values: ${a.length} vs ${b.length}`);
  const d = Float64Array.from({ length: a.length }, (_, i) => (a[i] as number) - (b[i] as number));
  return { diff: mean(d), se: standardDeviation(d) / Math.sqrt(Math.max(1, d.length)) };
}

/** The paper's Table-2 figures for one training run, from per-prompt outcomes. */
export interface CheckpointChange {
  /** Accuracy of each epoch's checkpoint. */
  accuracies: number[];
  /** Largest change over the checkpoints, its epoch (1-based) and the paired standard error at that epoch. */
  maxDelta: number;
  bestEpoch: number;
  maxSe: number;
  /** Mean change over the checkpoints and its paired standard error. */
  meanDelta: number;
  meanSe: number;
  /** Standard deviation of the change across checkpoints (the paper's figure in parentheses). */
  sdDelta: number;
  /** Per prompt, the share of checkpoints that answer it correctly (what cell-vs-cell comparisons pair). */
  perPrompt: Float64Array;
}

/**
 * Max and mean change in accuracy over per-epoch checkpoints against the model before alignment, as the
 * paper's Table 2 reports them, with paired standard errors over the evaluation prompts.
 * @example const change = checkpointChange(before, [epoch1, epoch2, epoch3]);
 */
export function checkpointChange(
  before: ArrayLike<number>,
  checkpoints: readonly ArrayLike<number>[],
): CheckpointChange {
  if (checkpoints.length === 0) throw new Error("no checkpoints");
  const base = mean(before);
  const accuracies = checkpoints.map((c) => mean(c));
  const deltas = accuracies.map((a) => a - base);
  let best = 0;
  deltas.forEach((d, i) => {
    if (d > (deltas[best] as number)) best = i;
  });
  const perPrompt = Float64Array.from({ length: before.length }, (_, i) =>
    mean(checkpoints.map((c) => c[i] as number)),
  );
  const atBest = pairedDifference(checkpoints[best] as ArrayLike<number>, before);
  const overall = pairedDifference(perPrompt, before);
  return {
    accuracies,
    maxDelta: deltas[best] as number,
    bestEpoch: best + 1,
    maxSe: atBest.se,
    meanDelta: overall.diff,
    meanSe: overall.se,
    sdDelta: standardDeviation(deltas),
    perPrompt,
  };
}

/** What a comparison says about a claim. */
export type Verdict = "holds" | "does not hold" | "within noise";

/** How many standard errors a difference must exceed to count (about a 95 % two-sided test). */
export const NOISE_Z = 2;

/**
 * The verdict on a claim that `diff` is positive: holds beyond 2 standard errors, does not hold below −2,
 * within noise between.
 * @example verdictOf({ diff: 0.031, se: 0.01 }); // "holds"
 */
export function verdictOf({ diff, se }: Difference): Verdict {
  if (diff > NOISE_Z * se) return "holds";
  if (diff < -NOISE_Z * se) return "does not hold";
  return "within noise";
}

/**
 * Several comparisons that must all be positive: holds when each holds, does not hold when any does not,
 * within noise otherwise.
 */
export function allOf(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes("does not hold")) return "does not hold";
  return verdicts.every((v) => v === "holds") ? "holds" : "within noise";
}
