import type { Progress, RunSummary } from "./run-dataset.js";

function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600)
    return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * One progress line: done of total, rejected, failed, in flight, rate, ETA, tokens and estimated cost.
 *
 * @example
 * ```ts
 * formatProgress(progress); // "1200/30000 done (1150 ok, 50 rejected, 0 failed) · 64 in flight · 20.5 rows/s · ETA 23m25s · 1.2M tokens · ~$3.40"
 * ```
 */
export function formatProgress(p: Progress): string {
  const done = p.skipped + p.accepted + p.rejected;
  const tokens = p.usage.promptTokens + p.usage.completionTokens;
  const parts = [
    `${done}/${p.total ?? "?"} done (${p.accepted} ok, ${p.rejected} rejected, ${p.failed} failed${p.skipped > 0 ? `, ${p.skipped} from before` : ""})`,
    `${p.inFlight} in flight`,
    `${p.rate.toFixed(1)} rows/s`,
    `ETA ${p.etaSeconds === undefined ? "?" : duration(p.etaSeconds)}`,
    `${compact(tokens)} tokens`,
    `~$${p.costUsd.toFixed(2)}`,
  ];
  return parts.join(" · ");
}

/**
 * The end-of-run summary, several lines, with what to do next when the run is not complete.
 *
 * @example
 * ```ts
 * process.stderr.write(formatSummary(summary));
 * ```
 */
export function formatSummary(s: RunSummary): string {
  const reasons = Object.entries(s.rejectedByReason)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(", ");
  const lines = [
    `clair: ${s.stoppedBy} after ${duration(s.elapsedMs / 1000)}`,
    `  accepted  ${s.accepted}  → ${s.output}`,
    `  rejected  ${s.rejected}${reasons === "" ? "" : ` (${reasons})`}  → ${s.rejects}`,
    `  failed    ${s.failed}${s.failed > 0 ? `  → ${s.failures} (retried by the next run)` : ""}`,
    `  skipped   ${s.skipped} (done by an earlier run)`,
    `  tokens    ${s.usage.promptTokens} in, ${s.usage.completionTokens} out  ~$${s.costUsd.toFixed(2)}`,
  ];
  if (s.stoppedBy !== "complete") lines.push("  run the same command again to resume");
  return `${lines.join("\n")}\n`;
}
