import { existsSync } from "node:fs";
import { appendFile, writeFile } from "node:fs/promises";
import { readJsonl } from "../data/read-jsonl.js";
import type { EvalMetrics } from "./evaluate-pairs.js";

/**
 * The evaluations of a run, one JSON object per line in `<out>/metrics.jsonl`.
 *
 * @example
 * ```ts
 * const log = await MetricsLog.open("runs/a/metrics.jsonl", { keepUpToStep: 0 });
 * await log.append(metrics);
 * log.entries.length;
 * ```
 */
export class MetricsLog {
  readonly file: string;
  readonly entries: EvalMetrics[];

  private constructor(file: string, entries: EvalMetrics[]) {
    this.file = file;
    this.entries = entries;
  }

  /**
   * Open the log, keeping the entries of steps ≤ `keepUpToStep` (a resumed run drops what came after its
   * checkpoint, so the trajectory has no duplicates); `keepUpToStep: -1` starts empty.
   */
  static async open(file: string, { keepUpToStep }: { keepUpToStep: number }): Promise<MetricsLog> {
    const entries: EvalMetrics[] = [];
    // A run that has not evaluated yet has no log.
    if (keepUpToStep >= 0 && existsSync(file)) {
      for await (const { value } of readJsonl(file)) {
        const metrics = value as EvalMetrics;
        if (metrics.step <= keepUpToStep) entries.push(metrics);
      }
    }
    await writeFile(file, entries.map((m) => `${JSON.stringify(m)}\n`).join(""));
    return new MetricsLog(file, entries);
  }

  /** Append one evaluation (flushed to disk before returning). */
  async append(metrics: EvalMetrics): Promise<void> {
    this.entries.push(metrics);
    await appendFile(this.file, `${JSON.stringify(metrics)}\n`);
  }
}
