import { describe, expect, it } from "vitest";
import { fitLogisticRegression, sigmoid } from "./logistic-regression.js";
import { lengthControlledWinRate, summarisePairwise } from "./pairwise-stats.js";
import { seededRandom } from "./seeded-random.js";

/** A comparison where the judge prefers longer answers: P(win) = σ(0.4 + 1.5 d). */
function verbose(n: number, seed: number) {
  const random = seededRandom(seed);
  const preferences: number[] = [];
  const candidateLengths: number[] = [];
  const baselineLengths: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = 200 + Math.floor(random() * 800);
    const b = 200 + Math.floor(random() * 400);
    const d = Math.tanh((c - b) / 300);
    const u = random();
    const p = sigmoid(0.4 + 1.5 * d);
    preferences.push(u < p * 0.9 ? 1 : u < p * 0.9 + 0.1 ? 0.5 : 0);
    candidateLengths.push(c);
    baselineLengths.push(b);
  }
  return { preferences, candidateLengths, baselineLengths };
}

describe("lengthControlledWinRate", () => {
  it("is σ(β₀) of the logistic fit on tanh(length difference / its sd)", () => {
    const { preferences, candidateLengths, baselineLengths } = verbose(400, 3);
    const lc = lengthControlledWinRate(preferences, candidateLengths, baselineLengths);
    const diff = candidateLengths.map((c, i) => c - (baselineLengths[i] ?? 0));
    const mean = diff.reduce((a, b) => a + b, 0) / diff.length;
    const sd = Math.sqrt(diff.reduce((a, b) => a + (b - mean) ** 2, 0) / (diff.length - 1));
    expect(lc.scale).toBeCloseTo(sd, 10);
    const fit = fitLogisticRegression([diff.map((d) => Math.tanh(d / sd))], preferences);
    expect(lc.value).toBe(sigmoid(fit.coefficients[0] as number));
    expect(lc.slope).toBeGreaterThan(0.5);
    expect(lc.converged).toBe(true);
    // the candidate is longer on average and the judge likes length: the LC rate is below the raw one
    const raw = preferences.reduce((a, b) => a + b, 0) / preferences.length;
    expect(lc.value).toBeLessThan(raw);
  });

  it("equals the win rate when lengths never differ, and stays at 1 when every pair is won", () => {
    expect(lengthControlledWinRate([1, 0.5, 0, 1], [5, 6, 7, 8], [5, 6, 7, 8]).value).toBe(0.625);
    expect(lengthControlledWinRate([1, 1, 1], [9, 2, 30], [5, 6, 7]).value).toBe(1);
  });
});

describe("summarisePairwise", () => {
  it("counts wins, ties and losses; ties count half", () => {
    const stats = summarisePairwise(
      { preferences: [1, 1, 0.5, 0], candidateLengths: [9, 8, 5, 3], baselineLengths: [5, 5, 5, 5] },
      { resamples: 200 },
    );
    expect(stats).toMatchObject({ pairs: 4, wins: 2, ties: 1, losses: 1 });
    expect(stats.winRate.value).toBe(0.625);
    expect(stats.tieRate.value).toBe(0.25);
    expect(stats.lossRate.value).toBe(0.25);
    expect(stats.meanLength).toEqual({ candidate: 6.25, baseline: 5 });
  });

  it("gives the same intervals for the same seed, other ones for another, each around its estimate", () => {
    const data = verbose(300, 11);
    const a = summarisePairwise(data, { seed: 5 });
    const b = summarisePairwise(data, { seed: 5 });
    const c = summarisePairwise(data, { seed: 6 });
    expect(a).toEqual(b);
    expect(c.winRate.low).not.toBe(a.winRate.low);
    for (const e of [a.winRate, a.tieRate, a.lossRate, a.lcWinRate]) {
      expect(e.low).toBeLessThanOrEqual(e.value);
      expect(e.high).toBeGreaterThanOrEqual(e.value);
    }
    // a 95 % interval of a rate near 0.6 over 300 rows is about ±5.5 points
    expect(a.winRate.high - a.winRate.low).toBeGreaterThan(0.06);
    expect(a.winRate.high - a.winRate.low).toBeLessThan(0.16);
  });

  it("covers the true LC win rate about 95 % of the time", () => {
    // The model σ(0.4 + 1.5 d) with 10 % of its wins turned into ties has P(win) = 0.9 σ, P(tie) = 0.1;
    // AlpacaEval's target is E[y | d = 0] = 0.9 σ(0.4) + 0.05.
    const truth = 0.9 * sigmoid(0.4) + 0.05;
    let covered = 0;
    const trials = 60;
    for (let t = 0; t < trials; t++) {
      const stats = summarisePairwise(verbose(400, 100 + t), { resamples: 300, seed: t });
      if (stats.lcWinRate.low <= truth && truth <= stats.lcWinRate.high) covered += 1;
    }
    expect(covered / trials).toBeGreaterThan(0.85);
  });

  it("reports extra means with intervals, and NaN without rows", () => {
    const stats = summarisePairwise(
      {
        preferences: [1, 0, 0.5, 1],
        candidateLengths: [1, 2, 3, 4],
        baselineLengths: [2, 2, 2, 2],
        means: { candidateAccuracy: [1, 0, 1, 1] },
      },
      { resamples: 100 },
    );
    expect(stats.means.candidateAccuracy?.value).toBe(0.75);
    const empty = summarisePairwise({ preferences: [], candidateLengths: [], baselineLengths: [] });
    expect(empty.pairs).toBe(0);
    expect(empty.winRate.value).toBeNaN();
    expect(() =>
      summarisePairwise({ preferences: [0.7], candidateLengths: [1], baselineLengths: [1] }),
    ).toThrow(/preference 0 is 0.7/);
  });
});
