import { describe, expect, it } from "vitest";
import { formatEpochEvalReport, summariseEpochEvals } from "./epoch-eval-report.js";
import type { EpochEvalRow } from "./epoch-evals.js";
import type { MetricValue } from "./epoch-scores.js";

const plain = (value: number | null): MetricValue => ({ value, low: null, high: null });

function row(epoch: number, scores: Record<string, MetricValue>, scorer = "node score.mjs"): EpochEvalRow {
  return { epoch, step: 3 * epoch, checkpoint: `c${epoch}`, scorer, scores, seconds: 1, time: "t" };
}

describe("summariseEpochEvals", () => {
  it("max and mean change over epochs vs. the start, as the paper's Table 2", () => {
    // Start 40; epochs 42, 39, 45: changes +2, −1, +5 → max +5 (epoch 3), mean +2.
    const s = summariseEpochEvals(
      [
        row(0, { mix: plain(40) }),
        row(1, { mix: plain(42) }),
        row(2, { mix: plain(39) }),
        row(3, { mix: plain(45) }),
      ],
      "runs/a",
    );
    expect(s.metrics).toHaveLength(1);
    const mix = s.metrics[0];
    expect(mix?.maxChange).toBe(5);
    expect(mix?.bestEpoch).toBe(3);
    expect(mix?.meanChange).toBe(2);
    expect(mix?.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
  });

  it("a negative max change when every epoch is worse; null values are left out; a later row replaces", () => {
    const s = summariseEpochEvals(
      [
        row(0, { a: plain(0.5) }),
        row(1, { a: plain(0.9) }),
        row(1, { a: plain(0.4) }), // scored again (resume with another command): this one counts
        row(2, { a: plain(null) }),
        row(3, { a: plain(0.3) }),
      ],
      "r",
    );
    const a = s.metrics[0];
    expect(a?.maxChange).toBeCloseTo(-0.1, 12);
    expect(a?.bestEpoch).toBe(1);
    expect(a?.meanChange).toBeCloseTo(-0.15, 12);
  });

  it("no change without a start (or without an epoch)", () => {
    expect(summariseEpochEvals([row(1, { a: plain(1) })], "r").metrics[0]?.maxChange).toBeNull();
    expect(summariseEpochEvals([row(0, { a: plain(1) })], "r").metrics[0]?.meanChange).toBeNull();
  });
});

describe("formatEpochEvalReport", () => {
  it("puts runs side by side, with intervals where the scorer gave them and signed changes", () => {
    const est = (value: number, low: number, high: number): MetricValue => ({ value, low, high });
    const a = summariseEpochEvals(
      [
        row(0, { winRate: est(0.5, 0.45, 0.55), acc: plain(0.25) }),
        row(1, { winRate: est(0.6, 0.55, 0.65), acc: plain(0.2) }),
        row(2, { winRate: est(0.55, 0.5, 0.6), acc: plain(0.15) }),
      ],
      "runs/apo-zero",
    );
    const b = summariseEpochEvals(
      [row(0, { winRate: est(0.5, 0.45, 0.55) }), row(1, { winRate: est(0.48, 0.43, 0.53) })],
      "runs/dpo",
    );
    const text = formatEpochEvalReport([a, b]);
    expect(text).toContain("| run | winRate: max | winRate: mean | acc: max | acc: mean |");
    expect(text).toContain("| runs/apo-zero | +0.1 | +0.075 | \u22120.05 | \u22120.075 |");
    expect(text).toContain("| runs/dpo | \u22120.02 | \u22120.02 | – | – |");
    expect(text).toContain(
      "| runs/apo-zero | 0.5 [0.45, 0.55] | 0.6 [0.55, 0.65] | 0.55 [0.5, 0.6] | +0.1 (epoch 1) | +0.075 |",
    );
    expect(text).toContain(
      "| runs/dpo | 0.5 [0.45, 0.55] | 0.48 [0.43, 0.53] | – | \u22120.02 (epoch 1) | \u22120.02 |",
    );
    expect(text).toContain("| runs/dpo | – | – | – | – | – |"); // acc: not scored in that run
    expect(text).toContain("[low, high]: the interval the scorer gave");
    expect(text).toContain("runs/dpo: scored with `node score.mjs`.");
  });

  it("says when nothing was scored yet", () => {
    expect(formatEpochEvalReport([summariseEpochEvals([], "r")])).toContain("No epoch was scored yet.");
  });
});
