/**
 * Tokens per training run (rows × padded length) from which `recompute: "auto"` turns activation
 * recomputation on: below it the kept activations are small and the extra forward is not worth its time.
 */
export const RECOMPUTE_MIN_TOKENS = 1024;

/**
 * How a run asks for activation recomputation (`TrainConfig.recompute`): always, never, or `"auto"`,
 * on when one run of the training step holds at least {@link RECOMPUTE_MIN_TOKENS} tokens.
 *
 * ```text
 * auto: recompute ⇔ rows · T ≥ 1024     (e.g. 2 pairs × 512 = 4 rows × 512 → on; 1 pair × 64 → off)
 * ```
 *
 * @example
 * ```ts
 * recomputeFor("auto", 4, 512); // true
 * recomputeFor(false, 4, 512); // false
 * ```
 */
export function recomputeFor(option: boolean | "auto", rows: number, sequenceLength: number): boolean {
  return option === "auto" ? rows * sequenceLength >= RECOMPUTE_MIN_TOKENS : option;
}
