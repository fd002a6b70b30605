/**
 * Every run's time of `repeat` alternating rounds over the functions, after one warm-up each, in
 * milliseconds: `times[k][i]` is function k in round i. Alternating keeps a ratio of two timings honest on
 * a machine whose speed drifts from minute to minute.
 *
 * @example
 * ```ts
 * const [forward, step] = await interleavedTimes([runForward, runStep], 4);
 * const perRound = step.map((s, i) => s / forward[i]); // ratios of neighbouring runs
 * ```
 */
export async function interleavedTimes(
  fns: readonly (() => Promise<unknown>)[],
  repeat: number,
): Promise<number[][]> {
  for (const f of fns) await f();
  const times = fns.map((): number[] => []);
  for (let i = 0; i < repeat; i++) {
    for (const [k, f] of fns.entries()) {
      const start = performance.now();
      await f();
      times[k]?.push(performance.now() - start);
    }
  }
  return times;
}
