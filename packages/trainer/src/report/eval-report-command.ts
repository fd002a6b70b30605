import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CommandLineError } from "../command-line-error.js";
import { type EpochEvalSummary, formatEpochEvalReport, summariseEpochEvals } from "./epoch-eval-report.js";
import { EPOCH_EVAL_FILES, readEpochEvals } from "./epoch-evals.js";

/** Usage of `apo eval-report`, shown by `apo --help`. */
export const EVAL_REPORT_USAGE = `  apo eval-report RUN_DIR [RUN_DIR...] [--metric NAME]... [--json]
      the paper's Table 2 form of runs trained with --eval-each-epoch, side by side: per metric the
      starting model's value, each epoch's (with the scorer's interval), and the max and mean change
      over the per-epoch checkpoints vs. the start; --json prints the summaries instead`;

/** `apo eval-report --help`. */
export const EVAL_REPORT_HELP = `apo eval-report: max and mean change over per-epoch checkpoints, for one or more runs

usage:
${EVAL_REPORT_USAGE}

examples:
  apo eval-report runs/apo-zero
  apo eval-report runs/apo-zero runs/apo-down runs/dpo --metric lcWinRate --metric winRate
  apo eval-report runs/apo-zero --json

Each RUN_DIR is an apo train --out folder with epoch-evals.jsonl (written by --eval-each-epoch).
See docs/trainer.md.
`;

/**
 * `apo eval-report RUN_DIR...`: prints {@link formatEpochEvalReport} of the runs (or, with `--json`, their
 * {@link summariseEpochEvals} summaries as JSON), keeping only the `--metric`s named. Returns the exit code.
 *
 * @throws CommandLineError when no run is given, a run has no `epoch-evals.jsonl`, or a `--metric` is in
 *   none of them
 * @example
 * ```ts
 * process.exitCode = await evalReportCommand(["runs/apo-zero", "runs/dpo"]);
 * ```
 */
export async function evalReportCommand(args: readonly string[]): Promise<number> {
  let parsed: { values: { metric?: string[]; json?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: { metric: { type: "string", multiple: true }, json: { type: "boolean" } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CommandLineError(`${message} (apo eval-report --help lists its flags)`);
  }
  const { values, positionals: runs } = parsed;
  if (runs.length === 0)
    throw new CommandLineError("eval-report needs at least one RUN_DIR (apo eval-report --help)");
  const summaries: EpochEvalSummary[] = [];
  for (const run of runs) {
    if (!existsSync(join(run, EPOCH_EVAL_FILES.log))) {
      throw new CommandLineError(
        `${run} has no ${EPOCH_EVAL_FILES.log}: train it with --eval-each-epoch "CMD" (apo train --help)`,
      );
    }
    summaries.push(summariseEpochEvals(await readEpochEvals(run), run));
  }
  const wanted = values.metric ?? [];
  for (const metric of wanted) {
    if (!summaries.some((s) => s.metrics.some((m) => m.metric === metric))) {
      const known = [...new Set(summaries.flatMap((s) => s.metrics.map((m) => m.metric)))];
      throw new CommandLineError(
        `--metric ${metric} is in none of the runs (their metrics: ${known.join(", ")})`,
        {
          flag: "metric",
        },
      );
    }
  }
  const kept =
    wanted.length === 0
      ? summaries
      : summaries.map((s) => ({ ...s, metrics: s.metrics.filter((m) => wanted.includes(m.metric)) }));
  process.stdout.write(
    values.json === true ? `${JSON.stringify(kept, null, 2)}\n` : formatEpochEvalReport(kept),
  );
  return 0;
}
