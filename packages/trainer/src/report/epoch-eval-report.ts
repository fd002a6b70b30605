import type { EpochEvalRow } from "./epoch-evals.js";
import type { MetricValue } from "./epoch-scores.js";

/** One metric over a run's per-epoch checkpoints, and its change relative to the starting model. */
export interface MetricTrajectory {
  readonly metric: string;
  /** The starting model's value (epoch 0); null when it was not scored. */
  readonly start: MetricValue | null;
  /** Each scored epoch ≥ 1, in order. */
  readonly epochs: readonly { readonly epoch: number; readonly value: MetricValue }[];
  /** max over epochs e ≥ 1 of (vₑ − v₀); null without a start or an epoch with a value. */
  readonly maxChange: number | null;
  /** The epoch of `maxChange` (the first one on a tie). */
  readonly bestEpoch: number | null;
  /** mean over epochs e ≥ 1 of (vₑ − v₀). */
  readonly meanChange: number | null;
}

/** A run's epoch evaluations in the paper's Table 2 form: {@link summariseEpochEvals}. */
export interface EpochEvalSummary {
  /** The run's label (its folder, as given). */
  readonly run: string;
  /** The scorers of its rows (one, unless a resume changed the command). */
  readonly scorers: readonly string[];
  /** One per metric, in the order the metrics first appear. */
  readonly metrics: readonly MetricTrajectory[];
}

/**
 * A run's epoch evaluations as the paper reports its benchmarks (D'Oosterlinck et al. 2024, Table 2): per
 * metric, the starting model's value v₀, each epoch's value vₑ (with the scorer's interval), and the max and
 * mean change over the per-epoch checkpoints relative to the start:
 *
 * ```text
 * max change  = maxₑ (vₑ − v₀)          over the scored epochs e = 1 … N with a value
 * mean change = (1/N) Σₑ (vₑ − v₀)
 * ```
 *
 * A later row for the same epoch replaces an earlier one. Values that are null (a scorer's NaN) are left
 * out of both.
 *
 * @example
 * ```ts
 * const s = summariseEpochEvals(await readEpochEvals("runs/a"), "runs/a");
 * s.metrics[0]?.maxChange; // e.g. 0.2 for scores 0.5 (start), 0.7, 0.6
 * ```
 */
export function summariseEpochEvals(rows: readonly EpochEvalRow[], run: string): EpochEvalSummary {
  const byEpoch = new Map<number, EpochEvalRow>();
  for (const row of rows) byEpoch.set(row.epoch, row);
  const ordered = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  const names: string[] = [];
  for (const row of rows)
    for (const name of Object.keys(row.scores)) if (!names.includes(name)) names.push(name);
  const metrics = names.map((metric): MetricTrajectory => {
    const start = byEpoch.get(0)?.scores[metric] ?? null;
    const epochs = ordered
      .filter((r) => r.epoch >= 1 && r.scores[metric] !== undefined)
      .map((r) => ({ epoch: r.epoch, value: r.scores[metric] as MetricValue }));
    const v0 = start?.value ?? null;
    const changes = epochs
      .filter((e) => e.value.value !== null)
      .map((e) => ({ epoch: e.epoch, change: (e.value.value as number) - (v0 ?? 0) }));
    if (v0 === null || changes.length === 0) {
      return { metric, start, epochs, maxChange: null, bestEpoch: null, meanChange: null };
    }
    let best = changes[0] as { epoch: number; change: number };
    for (const c of changes) if (c.change > best.change) best = c;
    const meanChange = changes.reduce((sum, c) => sum + c.change, 0) / changes.length;
    return { metric, start, epochs, maxChange: best.change, bestEpoch: best.epoch, meanChange };
  });
  return { run, scorers: [...new Set(rows.map((r) => r.scorer))], metrics };
}

/**
 * A metric's value as the reports show it: 4 significant digits, whole numbers from 1,000 on.
 *
 * @example
 * ```ts
 * formatMetricNumber(0.19999999999999996); // "0.2"
 * ```
 */
export function formatMetricNumber(x: number): string {
  return Math.abs(x) >= 1000 ? x.toFixed(0) : Number(x.toPrecision(4)).toString();
}

/** A change with its sign (U+2212 for minus). */
function signed(x: number | null): string {
  if (x === null) return "–";
  const text = formatMetricNumber(Math.abs(x));
  return x > 0 ? `+${text}` : x < 0 ? `\u2212${text}` : text;
}

function cell(v: MetricValue | null | undefined): string {
  if (v === null || v === undefined || v.value === null) return "–";
  return v.low === null || v.high === null
    ? formatMetricNumber(v.value)
    : `${formatMetricNumber(v.value)} [${formatMetricNumber(v.low)}, ${formatMetricNumber(v.high)}]`;
}

/**
 * The Markdown report of one or more runs' epoch evaluations, side by side: first the paper's Table 2 (a
 * row per run, the max and mean change of each metric over its per-epoch checkpoints vs. the starting
 * model), then a table per metric with the start, each epoch's value (`value [low, high]` where the scorer
 * gave an interval) and both changes. What `<run>/epoch-evals.md` holds and `apo eval-report` prints.
 *
 * @example
 * ```ts
 * const runs = ["runs/apo-zero", "runs/dpo"];
 * process.stdout.write(formatEpochEvalReport(await Promise.all(runs.map(async (r) => summariseEpochEvals(await readEpochEvals(r), r)))));
 * ```
 */
export function formatEpochEvalReport(runs: readonly EpochEvalSummary[]): string {
  const metrics: string[] = [];
  for (const run of runs)
    for (const m of run.metrics) if (!metrics.includes(m.metric)) metrics.push(m.metric);
  const find = (run: EpochEvalSummary, metric: string) => run.metrics.find((m) => m.metric === metric);
  const lines = [
    "# Change over the per-epoch checkpoints",
    "",
    "Each metric's change relative to the starting model (epoch 0), over the checkpoints saved at the end " +
      "of each epoch, as the APO paper's Table 2 reports its benchmarks: max change = maxₑ (vₑ − v₀), " +
      "mean change = the mean of vₑ − v₀ over the scored epochs e ≥ 1.",
    "",
  ];
  if (metrics.length === 0) return `${[...lines, "No epoch was scored yet."].join("\n")}\n`;
  lines.push(
    `| run | ${metrics.map((m) => `${m}: max | ${m}: mean`).join(" | ")} |`,
    `|---|${metrics.map(() => "---|---|").join("")}`,
  );
  for (const run of runs) {
    const cells = metrics.map((m) => {
      const t = find(run, m);
      return `${signed(t?.maxChange ?? null)} | ${signed(t?.meanChange ?? null)}`;
    });
    lines.push(`| ${run.run} | ${cells.join(" | ")} |`);
  }
  for (const metric of metrics) {
    const last = Math.max(0, ...runs.flatMap((r) => find(r, metric)?.epochs.map((e) => e.epoch) ?? []));
    const epochs = Array.from({ length: last }, (_, i) => i + 1);
    lines.push(
      "",
      `## ${metric}`,
      "",
      `| run | start | ${epochs.map((e) => `epoch ${e}`).join(" | ")}${epochs.length === 0 ? "" : " | "}max change | mean change |`,
      `|---|---|${epochs.map(() => "---|").join("")}---|---|`,
    );
    for (const run of runs) {
      const t = find(run, metric);
      const values = epochs.map((e) => cell(t?.epochs.find((x) => x.epoch === e)?.value));
      const best = t?.bestEpoch == null ? "" : ` (epoch ${t.bestEpoch})`;
      lines.push(
        `| ${run.run} | ${cell(t?.start)} | ${values.join(" | ")}${values.length === 0 ? "" : " | "}` +
          `${signed(t?.maxChange ?? null)}${best} | ${signed(t?.meanChange ?? null)} |`,
      );
    }
  }
  const intervals = runs.some((r) =>
    r.metrics.some((m) => [m.start, ...m.epochs.map((e) => e.value)].some((v) => v?.low != null)),
  );
  lines.push("");
  if (intervals) {
    lines.push(
      "[low, high]: the interval the scorer gave for that checkpoint (clair eval: a 95 % bootstrap interval); " +
        "the changes carry none, since one checkpoint's score is not independent of the next.",
    );
  }
  for (const run of runs) {
    lines.push(`${run.run}: scored with ${run.scorers.map((s) => `\`${s}\``).join(", ") || "nothing yet"}.`);
  }
  return `${lines.join("\n")}\n`;
}
