import { appendFile, readFile, writeFile } from "node:fs/promises";
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
    let entries: EvalMetrics[] = [];
    if (keepUpToStep >= 0) {
      let text = "";
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      entries = text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as EvalMetrics)
        .filter((m) => m.step <= keepUpToStep);
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
