import { fitLogisticRegression, newtonLogistic, sigmoid } from "./logistic-regression.js";
import { seededRandom } from "./seeded-random.js";

/**
 * A point estimate and its bootstrap percentile interval (`low`, `high`; NaN without rows).
 *
 * @example
 * ```ts
 * const winRate: Estimate = { value: 0.62, low: 0.59, high: 0.65 };
 * ```
 */
export interface Estimate {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/**
 * The length-controlled win rate and the logistic model behind it (see {@link lengthControlledWinRate}).
 *
 * @example
 * ```ts
 * const lc: LengthControl = lengthControlledWinRate([1, 0.5, 0], [900, 400, 300], [400, 400, 500]);
 * lc.value; // the win rate predicted at zero length difference
 * ```
 */
export interface LengthControl {
  /** σ(β₀): the win rate the model predicts when the candidate's answer is as long as the baseline's. */
  readonly value: number;
  readonly intercept: number;
  /** β₁, the pull of the length difference on the judge (0 when the lengths never differ). */
  readonly slope: number;
  /** The standard deviation of the length difference that scales it inside tanh. */
  readonly scale: number;
  readonly converged: boolean;
  readonly iterations: number;
}

/**
 * The win rate at equal lengths, AlpacaEval 2's idea (Dubois et al. 2024, "Length-Controlled AlpacaEval")
 * reduced to its length term: a logistic regression of the judge's preference for the candidate on the
 * normalised length difference, read off at zero difference. Ties are targets of 0.5. Lengths are in
 * any unit (the eval uses code points); `options.weights` weigh rows (a bootstrap's counts).
 *
 * ```text
 * d_i = tanh((|candidate_i| − |baseline_i|) / sd(|candidate| − |baseline|))
 * P(candidate preferred | d) = σ(β₀ + β₁ d),  fitted by maximum likelihood
 * LC win rate = σ(β₀)             (no length difference)
 * ```
 *
 * AlpacaEval 2 also fits a per-instruction difficulty term from many models' answers; with one candidate
 * and one baseline there is nothing to fit it from, so it is left out. When the lengths never differ
 * (sd = 0) the model is the intercept alone and the LC win rate is the win rate. When the preferences are
 * separable by length (every longer answer won, say), the maximum likelihood does not exist:
 * `converged` is false and the value is the limit the fit approaches.
 *
 * @example
 * ```ts
 * lengthControlledWinRate([1, 1, 0, 0.5], [900, 800, 100, 300], [300, 300, 300, 300]).value;
 * ```
 */
export function lengthControlledWinRate(
  preferences: ArrayLike<number>,
  candidateLengths: ArrayLike<number>,
  baselineLengths: ArrayLike<number>,
  options: { readonly weights?: ArrayLike<number> } = {},
): LengthControl {
  const n = preferences.length;
  const difference = new Float64Array(n);
  for (let i = 0; i < n; i++)
    difference[i] = (candidateLengths[i] as number) - (baselineLengths[i] as number);
  const weights = options.weights === undefined ? undefined : Float64Array.from(options.weights);
  return withoutFeature(lengthControl(Float64Array.from(preferences), difference, weights));
}

function withoutFeature(fit: LengthControl & { readonly feature: Float64Array | undefined }): LengthControl {
  const { feature: _, ...control } = fit;
  return control;
}

/**
 * {@link lengthControlledWinRate} over typed arrays, returning the feature column it fitted on (for the
 * bootstrap's refits).
 */
function lengthControl(
  preferences: Float64Array,
  difference: Float64Array,
  weights: Float64Array | undefined,
): LengthControl & { readonly feature: Float64Array | undefined } {
  const n = preferences.length;
  let total = 0;
  let sum = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const w = weights === undefined ? 1 : (weights[i] as number);
    total += w;
    sum += w * (preferences[i] as number);
    mean += w * (difference[i] as number);
  }
  mean /= total;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = (difference[i] as number) - mean;
    squares += (weights === undefined ? 1 : (weights[i] as number)) * d * d;
  }
  const scale = total > 1 ? Math.sqrt(squares / (total - 1)) : 0;
  const rate = sum / total;
  // One value of the feature (or only wins, only losses): the intercept's maximum likelihood is the rate.
  if (!(scale > 0) || rate === 0 || rate === 1) {
    return {
      value: rate,
      intercept: Math.log(rate / (1 - rate)),
      slope: 0,
      scale,
      converged: rate > 0 && rate < 1,
      iterations: 0,
      feature: undefined,
    };
  }
  const feature = new Float64Array(n);
  for (let i = 0; i < n; i++) feature[i] = Math.tanh((difference[i] as number) / scale);
  const fit = fitLogisticRegression([feature], preferences, weights === undefined ? {} : { weights });
  const intercept = fit.coefficients[0] as number;
  return {
    value: sigmoid(intercept),
    intercept,
    slope: fit.coefficients[1] as number,
    scale,
    converged: fit.converged,
    iterations: fit.iterations,
    feature,
  };
}

/**
 * What {@link summarisePairwise} reports: counts, the win, tie and loss rates, the length-controlled
 * win rate and its model, mean lengths, any extra means asked for, each rate with its bootstrap interval.
 *
 * @example
 * ```ts
 * const stats: PairwiseStats = summarisePairwise({ preferences, candidateLengths, baselineLengths });
 * console.log(stats.winRate.value, stats.winRate.low, stats.winRate.high);
 * ```
 */
export interface PairwiseStats {
  readonly pairs: number;
  readonly wins: number;
  readonly ties: number;
  readonly losses: number;
  /** (wins + ties / 2) / pairs, AlpacaEval's convention. */
  readonly winRate: Estimate;
  readonly tieRate: Estimate;
  readonly lossRate: Estimate;
  readonly lcWinRate: Estimate;
  readonly lengthModel: LengthControl;
  readonly meanLength: { readonly candidate: number; readonly baseline: number };
  /** The mean of each series of `PairwiseInput.means`, with its interval from the same resamples. */
  readonly means: Readonly<Record<string, Estimate>>;
  readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly level: number };
}

/**
 * The rows of a pairwise comparison: the preference for the candidate per row (1 won, 0.5 tie, 0 lost)
 * and both answers' lengths; `means` adds series to average (per-row accuracy, say).
 *
 * @example
 * ```ts
 * const input: PairwiseInput = { preferences: [1, 0.5], candidateLengths: [120, 80], baselineLengths: [100, 80] };
 * ```
 */
export interface PairwiseInput {
  readonly preferences: ArrayLike<number>;
  readonly candidateLengths: ArrayLike<number>;
  readonly baselineLengths: ArrayLike<number>;
  readonly means?: Readonly<Record<string, ArrayLike<number>>>;
}

/**
 * Options of {@link summarisePairwise}.
 *
 * @example
 * ```ts
 * const options: BootstrapOptions = { resamples: 2000, seed: 7, level: 0.9 };
 * ```
 */
export interface BootstrapOptions {
  /** Bootstrap resamples; default 1000 (0: no intervals, `low` and `high` are NaN). */
  readonly resamples?: number;
  /** The generator's seed; default 0, so that the same rows give the same intervals. */
  readonly seed?: number;
  /** The interval's coverage; default 0.95. */
  readonly level?: number;
}

/** Linear interpolation between order statistics (R's type 7, numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

/**
 * Summarises a pairwise comparison: win, tie and loss rates, the length-controlled win rate
 * ({@link lengthControlledWinRate}), with percentile intervals from a seeded nonparametric bootstrap:
 * `resamples` times, n rows are drawn with replacement (as counts, so each draw is a weighted refit of
 * the same rows) and every statistic is recomputed, the length model refitted (by Newton from the full
 * sample's fit, with the full sample's length scale inside tanh); the interval is the draws'
 * (1 − level)/2 and (1 + level)/2 quantiles.
 *
 * ```text
 * win rate = (W + T/2) / n,  tie rate = T / n,  loss rate = L / n
 * CI = [q_{(1−level)/2}, q_{(1+level)/2}] of the statistic over the resamples
 * ```
 *
 * @throws {RangeError} when the series differ in length or a preference is not 0, 0.5 or 1.
 * @example
 * ```ts
 * const stats = summarisePairwise({ preferences: [1, 1, 0.5, 0], candidateLengths: [9, 8, 5, 3], baselineLengths: [5, 5, 5, 5] }, { seed: 1 });
 * stats.winRate.value; // 0.625
 * ```
 */
export function summarisePairwise(input: PairwiseInput, options: BootstrapOptions = {}): PairwiseStats {
  const { preferences, candidateLengths, baselineLengths } = input;
  const n = preferences.length;
  const means = Object.entries(input.means ?? {});
  for (const [name, series] of [
    ["candidateLengths", candidateLengths] as const,
    ["baselineLengths", baselineLengths] as const,
    ...means,
  ]) {
    if (series.length !== n) throw new RangeError(`${name} has ${series.length} rows, preferences ${n}`);
  }
  let wins = 0;
  let ties = 0;
  let losses = 0;
  let candidateTotal = 0;
  let baselineTotal = 0;
  for (let i = 0; i < n; i++) {
    const p = preferences[i];
    if (p === 1) wins += 1;
    else if (p === 0.5) ties += 1;
    else if (p === 0) losses += 1;
    else throw new RangeError(`preference ${i} is ${p}: expected 1 (won), 0.5 (tie) or 0 (lost)`);
    candidateTotal += candidateLengths[i] as number;
    baselineTotal += baselineLengths[i] as number;
  }
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 0;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 0)
    throw new RangeError(`resamples must be a non-negative integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);

  const prefs = Float64Array.from(preferences);
  const difference = new Float64Array(n);
  for (let i = 0; i < n; i++)
    difference[i] = (candidateLengths[i] as number) - (baselineLengths[i] as number);
  const series = means.map(([, values]) => Float64Array.from(values));
  const full = n === 0 ? undefined : lengthControl(prefs, difference, undefined);
  const fixed =
    full?.feature === undefined
      ? undefined
      : { scale: full.scale, feature: full.feature, initial: [full.intercept, full.slope] as const };
  // A resample's rows of count > 0, packed into buffers reused by every refit.
  const packed = { x: new Float64Array(n), y: new Float64Array(n), w: new Float64Array(n) };
  const buffers = { mu: new Float64Array(n), trialMu: new Float64Array(n) };
  const statistics = (weights: Float64Array | undefined): number[] => {
    let total = 0;
    let w = 0;
    let t = 0;
    let l = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const c = weights === undefined ? 1 : (weights[i] as number);
      if (c === 0) continue;
      total += c;
      const p = prefs[i] as number;
      if (p === 1) w += c;
      else if (p === 0.5) t += c;
      else l += c;
      if (fixed !== undefined) {
        packed.x[m] = fixed.feature[i] as number;
        packed.y[m] = p;
        packed.w[m] = c;
        m += 1;
      }
    }
    const sums = series.map((values) => {
      let sum = 0;
      for (let i = 0; i < n; i++)
        sum += (weights === undefined ? 1 : (weights[i] as number)) * (values[i] as number);
      return sum;
    });
    const rate = (w + t / 2) / total;
    let lc: number;
    if (weights === undefined) lc = full!.value;
    else if (fixed === undefined) lc = lengthControl(prefs, difference, weights).value;
    else if (rate === 0 || rate === 1) lc = rate;
    else {
      const design = { columns: [packed.x], y: packed.y, w: packed.w, m, l2: 0 };
      const fit = newtonLogistic(design, { initial: fixed.initial, tolerance: 1e-4 }, buffers);
      lc = sigmoid(fit.coefficients[0] as number);
    }
    return [rate, t / total, l / total, lc, ...sums.map((s) => s / total)];
  };

  const point = n === 0 ? [] : statistics(undefined);
  const draws = (point.length === 0 ? [] : point).map(() => new Float64Array(n === 0 ? 0 : resamples));
  if (n > 0) {
    const random = seededRandom(seed);
    const counts = new Float64Array(n);
    for (let r = 0; r < resamples; r++) {
      counts.fill(0);
      for (let k = 0; k < n; k++) {
        const i = Math.floor(random() * n);
        counts[i] = (counts[i] as number) + 1;
      }
      const values = statistics(counts);
      for (let s = 0; s < values.length; s++) draws[s]![r] = values[s] as number;
    }
  }
  const estimate = (s: number): Estimate => {
    const sorted = draws[s]?.sort() ?? new Float64Array(0);
    return {
      value: point[s] ?? Number.NaN,
      low: quantile(sorted, (1 - level) / 2),
      high: quantile(sorted, (1 + level) / 2),
    };
  };
  const lengthModel =
    n === 0
      ? {
          value: Number.NaN,
          intercept: Number.NaN,
          slope: Number.NaN,
          scale: Number.NaN,
          converged: false,
          iterations: 0,
        }
      : withoutFeature(full!);
  return {
    pairs: n,
    wins,
    ties,
    losses,
    winRate: estimate(0),
    tieRate: estimate(1),
    lossRate: estimate(2),
    lcWinRate: estimate(3),
    lengthModel,
    meanLength: { candidate: candidateTotal / n, baseline: baselineTotal / n },
    means: Object.fromEntries(means.map(([name], k) => [name, estimate(4 + k)])),
    bootstrap: { resamples, seed, level },
  };
}
