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
 * The fastest of `repeat` alternating runs of each function (see {@link interleavedTimes}), in ms.
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
  return (await interleavedTimes(fns, repeat)).map((t) => Math.min(...t));
}
