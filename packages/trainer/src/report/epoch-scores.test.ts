import { describe, expect, it } from "vitest";
import { epochScoresFromJson } from "./epoch-scores.js";

describe("epochScoresFromJson", () => {
  it("reads plain numbers and { value, low, high } estimates, leaving other fields out", () => {
    expect(epochScoresFromJson({ score: 0.62 })).toEqual({ score: { value: 0.62, low: null, high: null } });
    expect(
      epochScoresFromJson({
        accuracy: 0.8,
        win_rate: { value: 0.55, low: 0.5, high: 0.6 },
        bare: { value: 3 },
        model: "aligned",
        list: [1, 2],
        nested: { a: 1 },
        flag: true,
      }),
    ).toEqual({
      accuracy: { value: 0.8, low: null, high: null },
      win_rate: { value: 0.55, low: 0.5, high: 0.6 },
      bare: { value: 3, low: null, high: null },
    });
  });

  it("keeps NaN (JSON's null) as a null value, and infinities too", () => {
    expect(
      epochScoresFromJson({ a: { value: null, low: null, high: null }, b: Number.POSITIVE_INFINITY }),
    ).toEqual({
      a: { value: null, low: null, high: null },
      b: { value: null, low: null, high: null },
    });
  });

  it("reads clair eval's --json report: its statistics and means, not its counts or length model", () => {
    const est = (value: number) => ({ value, low: value - 0.1, high: value + 0.1 });
    const report = {
      mode: "verifiable",
      models: { candidate: "a", baseline: "b", judge: null },
      pairs: 40,
      rejected: { unparseable: 1 },
      unparseableReplies: 0,
      candidateLonger: 0.5,
      candidateShorter: 0.4,
      stats: {
        pairs: 40,
        wins: 10,
        ties: 20,
        losses: 10,
        winRate: est(0.5),
        tieRate: est(0.5),
        lossRate: est(0.25),
        lcWinRate: est(0.52),
        lengthModel: { value: 0.52, intercept: 0.1, slope: 0.3, scale: 12, converged: true, iterations: 5 },
        meanLength: { candidate: 10, baseline: 9 },
        means: { candidateScore: est(0.3), baselineScore: est(0.2) },
        bootstrap: { resamples: 1000, seed: 0, level: 0.95 },
      },
    };
    expect(epochScoresFromJson(report)).toEqual({
      winRate: est(0.5),
      tieRate: est(0.5),
      lossRate: est(0.25),
      lcWinRate: est(0.52),
      candidateScore: est(0.3),
      baselineScore: est(0.2),
    });
    // A judge-mode report has no means.
    const judged = { ...report, mode: "judge", stats: { ...report.stats, means: {} } };
    expect(Object.keys(epochScoresFromJson(judged) ?? {})).toEqual([
      "winRate",
      "tieRate",
      "lossRate",
      "lcWinRate",
    ]);
  });

  it("is undefined when there is no metric", () => {
    for (const value of [undefined, null, 3, "0.5", [0.5], {}, { name: "x" }, { value: "high" }]) {
      expect(epochScoresFromJson(value)).toBeUndefined();
    }
  });
});
