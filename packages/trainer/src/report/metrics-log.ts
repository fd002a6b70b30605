import { existsSync } from "node:fs";
import { appendFile, rename, writeFile } from "node:fs/promises";
import { readJsonl } from "../data/read-jsonl.js";
import { withPath } from "../io-error.js";
import type { EvalMetrics } from "./evaluate-pairs.js";
import { repairTail } from "./repair-tail.js";

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
   * checkpoint, so the trajectory has no duplicates); `keepUpToStep: -1` starts empty. A torn last line
   * (an append cut short by a kill or a full disk) is cut off first, with a line through `note`. The kept
   * entries are written to a temporary file renamed over the log, so a kill never leaves it half written.
   *
   * @throws TrainDataError naming the line of an entry that is not JSON (other than a torn last line);
   *   IoError naming the file when it cannot be written
   */
  static async open(
    file: string,
    { keepUpToStep, note }: { keepUpToStep: number; note?: (text: string) => void },
  ): Promise<MetricsLog> {
    const entries: EvalMetrics[] = [];
    // A run that has not evaluated yet has no log.
    if (keepUpToStep >= 0 && existsSync(file)) {
      const cut = await repairTail(file);
      if (cut > 0) note?.(`${file}: cut off a torn last line (${cut} bytes) left by an interrupted write`);
      for await (const { value } of readJsonl(file)) {
        const metrics = value as EvalMetrics;
        if (metrics.step <= keepUpToStep) entries.push(metrics);
      }
    }
    const tmp = `${file}.tmp-${process.pid}`;
    await withPath(tmp, "write", () => writeFile(tmp, entries.map((m) => `${JSON.stringify(m)}\n`).join("")));
    await withPath(file, "replace", () => rename(tmp, file));
    return new MetricsLog(file, entries);
  }

  /** Append one evaluation (flushed to disk before returning). */
  async append(metrics: EvalMetrics): Promise<void> {
    this.entries.push(metrics);
    await withPath(this.file, "append to", () => appendFile(this.file, `${JSON.stringify(metrics)}\n`));
  }
}
