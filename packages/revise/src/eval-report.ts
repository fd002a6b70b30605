import { rename, stat, writeFile } from "node:fs/promises";
import type { EvalResultRow } from "./eval-builder.js";
import { DEFAULT_MAX_LINE_BYTES, readJsonl } from "./jsonl.js";
import {
  type BootstrapOptions,
  type Estimate,
  type PairwiseStats,
  summarisePairwise,
} from "./pairwise-stats.js";

/**
 * What `clair eval` reports over every row of its output (this run's and earlier runs'): which models,
 * how many rows, the rejected ones by reason, the judge's unparseable replies, and the statistics.
 *
 * @example
 * ```ts
 * const report: EvalReport = await readEvalReport("eval.jsonl");
 * console.log(formatEvalMarkdown(report));
 * ```
 */
export interface EvalReport {
  readonly mode: "judge" | "verifiable";
  /** Model names seen per role (`given` for answers taken from the rows). */
  readonly models: { readonly candidate: string; readonly baseline: string; readonly judge: string | null };
  /** Rows compared (the output's rows). */
  readonly pairs: number;
  /** Rejected rows by reason (an unparseable judge twice in one order, a refused request). */
  readonly rejected: Readonly<Record<string, number>>;
  /** Judge replies that named neither answer (or both), over compared and rejected rows. */
  readonly unparseableReplies: number;
  /** Share of the pairs where the candidate's answer is the longer one. */
  readonly candidateLonger: number;
  /** Share of the pairs where the candidate's answer is the shorter one. */
  readonly candidateShorter: number;
  readonly stats: PairwiseStats;
}

function models(seen: Map<string, Set<string>>, role: string): string {
  const names = [...(seen.get(role) ?? [])];
  return names.length === 0 ? "given" : names.join(", ");
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads an eval output (and its rejects file) and computes the report: the win, tie and loss rates and
 * the length-controlled win rate with seeded bootstrap intervals ({@link summarisePairwise}), and in the
 * verifiable-answers mode each side's mean score (`candidateScore`, `baselineScore` in `stats.means`).
 * Streams both files, holding three numbers a row.
 *
 * @example
 * ```ts
 * const report = await readEvalReport("eval.jsonl", { bootstrap: { resamples: 2000, seed: 1 } });
 * ```
 */
export async function readEvalReport(
  output: string,
  options: { readonly rejects?: string; readonly bootstrap?: BootstrapOptions } = {},
): Promise<EvalReport> {
  const preferences: number[] = [];
  const candidateLengths: number[] = [];
  const baselineLengths: number[] = [];
  const candidateScores: number[] = [];
  const baselineScores: number[] = [];
  const seen = new Map<string, Set<string>>();
  let unparseable = 0;
  let longer = 0;
  let shorter = 0;
  const read = { maxLineBytes: DEFAULT_MAX_LINE_BYTES };
  if (await exists(output)) {
    for await (const { value } of readJsonl(output, read)) {
      const row = value as unknown as EvalResultRow;
      preferences.push(row.preference);
      candidateLengths.push(row.lengths.candidate);
      baselineLengths.push(row.lengths.baseline);
      if (row.lengths.candidate > row.lengths.baseline) longer += 1;
      if (row.lengths.candidate < row.lengths.baseline) shorter += 1;
      if (row.scores !== undefined) {
        candidateScores.push(row.scores.candidate);
        baselineScores.push(row.scores.baseline);
      }
      unparseable += row.meta.unparseable ?? 0;
      for (const [role, model] of Object.entries(row.meta.models)) {
        if (!seen.has(role)) seen.set(role, new Set());
        seen.get(role)?.add(model);
      }
    }
  }
  const rejected: Record<string, number> = {};
  const rejects = options.rejects ?? `${output}.rejects.jsonl`;
  if (await exists(rejects)) {
    for await (const { value } of readJsonl(rejects, read)) {
      const reason = String(value.reason);
      rejected[reason] = (rejected[reason] ?? 0) + 1;
      unparseable += (value.meta as { unparseable?: number } | undefined)?.unparseable ?? 0;
    }
  }
  const verifiable = candidateScores.length > 0 && candidateScores.length === preferences.length;
  const stats = summarisePairwise(
    {
      preferences,
      candidateLengths,
      baselineLengths,
      ...(verifiable ? { means: { candidateScore: candidateScores, baselineScore: baselineScores } } : {}),
    },
    options.bootstrap,
  );
  return {
    mode: verifiable ? "verifiable" : "judge",
    models: {
      candidate: models(seen, "candidate"),
      baseline: models(seen, "baseline"),
      judge: verifiable ? null : models(seen, "judge"),
    },
    pairs: preferences.length,
    rejected,
    unparseableReplies: unparseable,
    candidateLonger: preferences.length === 0 ? Number.NaN : longer / preferences.length,
    candidateShorter: preferences.length === 0 ? Number.NaN : shorter / preferences.length,
    stats,
  };
}

function percent(x: number): string {
  return Number.isNaN(x) ? "–" : `${(100 * x).toFixed(1)} %`;
}

function row(name: string, e: Estimate): string {
  const interval = Number.isNaN(e.low) ? "–" : `${percent(e.low)} – ${percent(e.high)}`;
  return `| ${name} | ${percent(e.value)} | ${interval} |`;
}

/**
 * The report as a Markdown table (rates with their bootstrap intervals) and a few lines of context:
 * models, counts, the length model, and a warning when the lengths barely overlap (the paper's appendix
 * D: without both longer and shorter candidate answers, the length-controlled rate extrapolates).
 *
 * @example
 * ```ts
 * process.stdout.write(formatEvalMarkdown(await readEvalReport("eval.jsonl")));
 * ```
 */
export function formatEvalMarkdown(report: EvalReport): string {
  const { stats } = report;
  const level = `${Math.round(stats.bootstrap.level * 100)} % interval`;
  const lines = [
    `## ${report.models.candidate} vs ${report.models.baseline}`,
    "",
    report.mode === "judge"
      ? `Judge: ${report.models.judge}, both orders per prompt (won both: win, lost both: loss, split: tie).`
      : "Verifiable answers: each answer scored on its own (higher score wins, equal scores tie).",
    "",
    `| metric | value | ${level} |`,
    "|---|---|---|",
    row("win rate (ties count half)", stats.winRate),
    row("length-controlled win rate", stats.lcWinRate),
    row("tie rate", stats.tieRate),
    row("loss rate", stats.lossRate),
  ];
  if (report.mode === "verifiable") {
    const c = stats.means.candidateScore;
    const b = stats.means.baselineScore;
    if (c !== undefined) lines.push(row("candidate accuracy", c));
    if (b !== undefined) lines.push(row("baseline accuracy", b));
  }
  const rejected = Object.entries(report.rejected);
  lines.push(
    "",
    `${stats.pairs} pairs: ${stats.wins} won, ${stats.ties} tied, ${stats.losses} lost` +
      (rejected.length === 0
        ? "."
        : `; ${rejected.map(([reason, count]) => `${count} ${reason}`).join(", ")} rejected (not counted).`),
  );
  if (report.mode === "judge")
    lines.push(
      `Judge replies naming neither answer: ${report.unparseableReplies} (each asked again once; a second one rejects the row).`,
    );
  const m = stats.lengthModel;
  lines.push(
    `Mean length (code points): candidate ${stats.meanLength.candidate.toFixed(0)}, baseline ${stats.meanLength.baseline.toFixed(0)}; ` +
      `the candidate's answer is longer in ${percent(report.candidateLonger)} of pairs, shorter in ${percent(report.candidateShorter)}.`,
    m.scale > 0
      ? `Length model: P(win) = σ(${m.intercept.toFixed(3)} + ${m.slope.toFixed(3)} · tanh(Δlength / ${m.scale.toFixed(0)}))` +
          `${m.converged ? "" : " (did not converge: the preferences are separable by length, the rate is a limit)"}.`
      : "Length model: none (the length difference never varies, so the length-controlled rate is the win rate).",
    `Bootstrap: ${stats.bootstrap.resamples} resamples, seed ${stats.bootstrap.seed}.`,
  );
  // Positivity (the paper's appendix D): the length model can only say what a judge does at equal
  // length if the candidate is sometimes longer and sometimes shorter than the baseline.
  const rarer = Math.min(report.candidateLonger, report.candidateShorter);
  const side = report.candidateLonger < report.candidateShorter ? "longer" : "shorter";
  if (rarer < 0.1 && m.scale > 0) {
    lines.push(
      "",
      `Warning: the candidate's answer is ${side} in only ${percent(rarer)} of pairs, so the length-controlled rate ` +
        "extrapolates beyond what was observed (positivity, the paper's appendix D).",
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Writes a file whole or not at all (a temporary file renamed over it). */
async function writeWhole(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

/**
 * Writes the report as Markdown and as JSON (NaN and infinities as `null`), each file whole or not at all.
 *
 * @example
 * ```ts
 * await writeEvalReport(report, { markdown: "eval.md", json: "eval.json" });
 * ```
 */
export async function writeEvalReport(
  report: EvalReport,
  paths: { readonly markdown: string; readonly json: string },
): Promise<void> {
  await writeWhole(paths.markdown, formatEvalMarkdown(report));
  await writeWhole(paths.json, `${JSON.stringify(report, null, 2)}\n`);
}
