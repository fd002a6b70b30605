import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  EPOCH_EVAL_FILES,
  type EpochEvalRow,
  type EpochEvalSummary,
  formatEpochEvalReport,
  readEpochEvals,
  summariseEpochEvals,
} from "@apo/trainer";
import { slug } from "./datasets.js";
import type { CheckpointChange } from "./stats.js";

/** The metric name the demo's accuracy has in `epoch-evals.jsonl`. */
export const ACCURACY = "accuracy";

/** What the demo's scorer is called in the epoch-evals rows (`scorer`). */
const SCORER = "demo: greedy accuracy on the held-out prompts (checker)";

/** The run folder of one (dataset, objective) cell inside the demo's output. */
export function runFolder(outDir: string, dataset: string, objective: string): string {
  return join(outDir, "runs", `${slug(dataset)}--${slug(objective)}`);
}

/**
 * One cell's per-epoch accuracy as `@apo/trainer`'s epoch evaluations (`apo train --eval-each-epoch`'s
 * `epoch-evals.jsonl`): epoch 0 the starting model, epoch k the checkpoint after epoch k, each with
 * `{ accuracy: { value, low, high } }` (low and high: ± 1.96 binomial standard errors). The checkpoints
 * live in memory, not in folders: `checkpoint` names the run folder and epoch.
 * @example const rows = epochEvalRows("out/runs/clair--apo-zero", 0.43, [0.45, 0.47], 3000);
 */
export function epochEvalRows(
  runDir: string,
  start: number,
  accuracies: readonly number[],
  prompts: number,
): EpochEvalRow[] {
  const time = new Date(0).toISOString();
  return [start, ...accuracies].map((value, epoch) => {
    const half = 1.96 * Math.sqrt((value * (1 - value)) / Math.max(1, prompts));
    return {
      epoch,
      step: epoch,
      checkpoint: `${runDir} (in memory, epoch ${epoch})`,
      scorer: SCORER,
      scores: { [ACCURACY]: { value, low: Math.max(0, value - half), high: Math.min(1, value + half) } },
      seconds: 0,
      time,
    };
  });
}

/**
 * Writes a cell's `epoch-evals.jsonl` (and `epoch-evals.md`, `formatEpochEvalReport` of it, as `apo train
 * --eval-each-epoch` does) into its run folder, reads it back with `readEpochEvals`, and summarises it
 * with `summariseEpochEvals`: the Table 2 figures users get from `apo eval-report`.
 * @example const summary = await writeEpochEvals("out/runs/clair--apo-zero", "CLAIR × APO-zero", 0.43, [0.45, 0.47], 3000);
 */
export async function writeEpochEvals(
  runDir: string,
  label: string,
  start: number,
  accuracies: readonly number[],
  prompts: number,
): Promise<EpochEvalSummary> {
  await mkdir(runDir, { recursive: true });
  const rows = epochEvalRows(runDir, start, accuracies, prompts);
  await writeFile(join(runDir, EPOCH_EVAL_FILES.log), rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const summary = summariseEpochEvals(await readEpochEvals(runDir), label);
  await writeFile(join(runDir, EPOCH_EVAL_FILES.report), formatEpochEvalReport([summary]));
  return summary;
}

/** The trainer's max and mean change of a cell's accuracy (see {@link writeEpochEvals}). */
export interface TrainerTable2 {
  maxChange: number;
  meanChange: number;
  bestEpoch: number;
}

/**
 * The trainer's Table 2 figures for the accuracy metric, checked against the demo's own
 * ({@link CheckpointChange}, from per-prompt outcomes): the max change, its epoch and the mean change must
 * agree to 1e-12, or the demo and the report users get compute different things.
 * @throws Error naming the run and both values when they differ
 * @example const t = trainerTable2(summary, checkpointChange(before, checkpoints));
 */
export function trainerTable2(summary: EpochEvalSummary, demo: CheckpointChange): TrainerTable2 {
  const m = summary.metrics.find((x) => x.metric === ACCURACY);
  if (m?.maxChange == null || m.meanChange == null || m.bestEpoch == null)
    throw new Error(`${summary.run}: the trainer's summary has no ${ACCURACY} change`);
  const t = { maxChange: m.maxChange, meanChange: m.meanChange, bestEpoch: m.bestEpoch };
  const off =
    Math.abs(t.maxChange - demo.maxDelta) > 1e-12 ||
    Math.abs(t.meanChange - demo.meanDelta) > 1e-12 ||
    t.bestEpoch !== demo.bestEpoch;
  if (off)
    throw new Error(
      `${summary.run}: summariseEpochEvals gives max ${t.maxChange} (epoch ${t.bestEpoch}), mean ${t.meanChange}; the demo ${demo.maxDelta} (epoch ${demo.bestEpoch}), ${demo.meanDelta}`,
    );
  return t;
}

/**
 * Every cell's epoch evaluations side by side (`formatEpochEvalReport`, what `apo eval-report` prints for
 * the run folders), written to `<out>/epoch-evals.md`. Returns its path.
 */
export async function writeEpochEvalReport(
  outDir: string,
  summaries: readonly EpochEvalSummary[],
): Promise<string> {
  const file = join(outDir, EPOCH_EVAL_FILES.report);
  await writeFile(file, formatEpochEvalReport(summaries));
  return file;
}
