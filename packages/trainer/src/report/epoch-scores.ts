/**
 * One metric's value for one checkpoint, with the interval the scorer gave (a bootstrap 95 % interval from
 * `clair eval`), or null bounds when it gave none. A value the scorer could not compute (NaN, which JSON
 * writes as null) is null.
 */
export interface MetricValue {
  readonly value: number | null;
  readonly low: number | null;
  readonly high: number | null;
}

/** A checkpoint's scores by metric name, as recorded in `epoch-evals.jsonl`. */
export type EpochScores = Readonly<Record<string, MetricValue>>;

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

const numberOrNull = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);

const ESTIMATE_KEYS = new Set(["value", "low", "high"]);

/**
 * `{ value, low?, high? }` with a numeric (or null, for NaN) value and no other field: clair's `Estimate`
 * (its length model, which also has a `value`, is a model, not a metric).
 */
function asEstimate(x: unknown): MetricValue | undefined {
  if (!isRecord(x) || !("value" in x)) return undefined;
  if (!Object.keys(x).every((k) => ESTIMATE_KEYS.has(k))) return undefined;
  if (x.value !== null && typeof x.value !== "number") return undefined;
  return { value: numberOrNull(x.value), low: numberOrNull(x.low), high: numberOrNull(x.high) };
}

/**
 * The metrics of a scorer's JSON report, in one of the shapes `apo train --eval-each-epoch` accepts:
 *
 * - the report `clair eval --json FILE` writes (`@clair/revise`'s `EvalReport`): the estimates of its
 *   `stats` (`winRate`, `lcWinRate`, `tieRate`, `lossRate`, each `{ value, low, high }` with the bootstrap
 *   interval) and of `stats.means` (`candidateScore`, `baselineScore`: the accuracies of the verifiable-answers
 *   mode);
 * - a flat object of metrics, each a number or `{ value, low?, high? }`: `{"score": 0.62}`,
 *   `{"accuracy": 0.8, "win_rate": {"value": 0.55, "low": 0.5, "high": 0.6}}`. Other fields (strings,
 *   lists, nested objects) are left out, so a report with a model name in it reads too.
 *
 * Returns undefined when the value holds no metric.
 *
 * @example
 * ```ts
 * epochScoresFromJson({ score: 0.62 }); // { score: { value: 0.62, low: null, high: null } }
 * epochScoresFromJson({ mode: "verifiable", stats: { winRate: { value: 0.6, low: 0.5, high: 0.7 }, means: {} } });
 * // { winRate: { value: 0.6, low: 0.5, high: 0.7 } }
 * ```
 */
export function epochScoresFromJson(json: unknown): EpochScores | undefined {
  if (!isRecord(json)) return undefined;
  const scores: Record<string, MetricValue> = {};
  const take = (from: Record<string, unknown>) => {
    for (const [name, x] of Object.entries(from)) {
      if (typeof x === "number") scores[name] = { value: numberOrNull(x), low: null, high: null };
      else {
        const estimate = asEstimate(x);
        if (estimate !== undefined) scores[name] = estimate;
      }
    }
  };
  // clair eval's report: the statistics, not its counts (pairs, rejected rows, length shares).
  if (isRecord(json.stats) && asEstimate(json.stats.winRate) !== undefined) {
    const { stats } = json;
    for (const name of Object.keys(stats)) {
      const estimate = asEstimate(stats[name]);
      if (estimate !== undefined) scores[name] = estimate;
    }
    if (isRecord(stats.means)) take(stats.means);
  } else {
    take(json);
  }
  return Object.keys(scores).length === 0 ? undefined : scores;
}
