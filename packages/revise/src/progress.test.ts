import { describe, expect, it } from "vitest";
import { formatProgress, formatSummary } from "./progress.js";
import type { RunSummary } from "./run-dataset.js";

const summary: RunSummary = {
  total: 32000,
  skipped: 100,
  accepted: 1150,
  rejected: 50,
  failed: 2,
  inFlight: 64,
  elapsedMs: 60_000,
  rate: 20,
  etaSeconds: 1535,
  usage: { promptTokens: 1_000_000, completionTokens: 234_000 },
  costUsd: 3.4,
  stoppedBy: "budget",
  rejectedByReason: { unparseable: 20, "length-ratio": 30 },
  output: "out.jsonl",
  rejects: "out.jsonl.rejects.jsonl",
  failures: "out.jsonl.failures.jsonl",
};

describe("progress output", () => {
  it("shows done, rejected, failed, in flight, rate, ETA, tokens and cost on one line", () => {
    expect(formatProgress(summary)).toBe(
      "1300/32000 done (1150 ok, 50 rejected, 2 failed, 100 from before) · 64 in flight · 20.0 rows/s · ETA 25m35s · 1.2M tokens · ~$3.40",
    );
    expect(formatProgress({ ...summary, total: undefined, etaSeconds: undefined })).toContain("/? done");
  });

  it("summarises the run and says how to resume", () => {
    const text = formatSummary(summary);
    expect(text).toContain("clair: budget after 1m00s");
    expect(text).toContain("rejected  50 (unparseable 20, length-ratio 30)  → out.jsonl.rejects.jsonl");
    expect(text).toContain("failed    2  → out.jsonl.failures.jsonl (retried by the next run)");
    expect(text).toContain("run the same command again to resume");
    expect(formatSummary({ ...summary, stoppedBy: "complete" })).not.toContain("resume");
  });
});
