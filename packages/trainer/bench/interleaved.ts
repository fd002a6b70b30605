/**
 * The fastest of `repeat` alternating runs of each function, after one warm-up each, in milliseconds.
 * Alternating keeps a ratio of two timings honest on a machine whose speed drifts from minute to minute.
 *
 * ```text
 * best[k] = min over i < repeat of time(fns[k]) in round i
 * ```
 *
 * @example
 * ```ts
 * const [forwardMs, stepMs] = await interleaved([runForward, runStep], 4);
 * ```
 */
export async function interleaved(
  fns: readonly (() => Promise<unknown>)[],
  repeat: number,
): Promise<number[]> {
  for (const f of fns) await f();
  const best = fns.map(() => Number.POSITIVE_INFINITY);
  for (let i = 0; i < repeat; i++) {
    for (const [k, f] of fns.entries()) {
      const start = performance.now();
      await f();
      best[k] = Math.min(best[k] as number, performance.now() - start);
    }
  }
  return best;
}
