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

/**
 * The median over rounds of each round's own ratio `runs[i] / baseline[i]` (times from
 * {@link interleavedTimes}): a ratio of neighbouring runs, steadier than a ratio of two minima.
 *
 * @example
 * ```ts
 * const [forward, step] = await interleavedTimes([runForward, runStep], 6);
 * console.log(`${pairedMedianRatio(step, forward).toFixed(2)}×`);
 * ```
 */
export function pairedMedianRatio(runs: readonly number[], baseline: readonly number[]): number {
  const ratios = runs.map((ms, i) => ms / (baseline[i] as number)).sort((a, b) => a - b);
  return ratios[Math.floor(ratios.length / 2)] as number;
}
