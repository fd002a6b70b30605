import { describe, expect, it } from "vitest";
import { ContrastivenessAccumulator, contrastiveness, pairMetrics } from "./contrastiveness.js";
import { InvalidPairError } from "./errors.js";

const pairs = [
  { chosen: "the cat sat on the mat", rejected: "the cat sat on a mat" },
  { chosen: "same", rejected: "same" },
  {
    prompt: [{ role: "user", content: "q" }],
    chosen: [
      { role: "user", content: "q" },
      { role: "assistant", content: "a b c d" },
    ],
    rejected: [
      { role: "user", content: "q" },
      { role: "assistant", content: "a b" },
    ],
  },
];

describe("pairMetrics", () => {
  it("gives Jaccard ×100, Levenshtein and the length ratio chosen / rejected", () => {
    expect(pairMetrics("the cat sat", "the cat ran")).toEqual({
      jaccard: 50,
      levenshtein: 2,
      lengthRatio: 1,
    });
    expect(pairMetrics("😀😀", "😀").lengthRatio).toBe(2);
    expect(pairMetrics("😀😀", "😀", { unit: "code-unit" }).levenshtein).toBe(2);
    expect(pairMetrics("", "").lengthRatio).toBe(1);
    expect(pairMetrics("x", "").lengthRatio).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("contrastiveness", () => {
  it("summarizes strings and TRL message lists alike", async () => {
    const report = await contrastiveness(pairs);
    expect(report.count).toBe(3);
    expect(report.identical).toBe(1);
    expect(report.invalid).toBe(0);
    // Jaccard ×100: {the, cat, sat, on, mat} vs {the, cat, sat, on, a, mat} = 5/6; 1; 2/4.
    const jaccards = [500 / 6, 100, 50];
    expect(report.jaccard.mean).toBeCloseTo((jaccards[0]! + jaccards[1]! + jaccards[2]!) / 3, 10);
    expect(report.jaccard.median).toBeCloseTo(500 / 6, 10);
    expect(report.jaccard.min).toBe(50);
    expect(report.jaccard.max).toBe(100);
    expect(report.levenshtein.median).toBe(3);
    expect(report.levenshtein.max).toBe(4);
    expect(report.lengthRatio.max).toBe(7 / 3);
  });

  it("reads async iterables one pair at a time", async () => {
    async function* stream() {
      for (const pair of pairs) {
        await Promise.resolve();
        yield pair;
      }
    }
    expect(await contrastiveness(stream())).toEqual(await contrastiveness(pairs));
  });

  it("names the position of an invalid pair, or counts it with skipInvalid", async () => {
    const bad = [
      ...pairs,
      { chosen: "x" },
      { chosen: [{ role: "user", content: "no answer" }], rejected: "y" },
    ];
    await expect(contrastiveness(bad)).rejects.toThrow(/pair 3 \(0-based\): `rejected`: missing/);
    await expect(contrastiveness(bad)).rejects.toBeInstanceOf(InvalidPairError);
    const report = await contrastiveness(bad, { skipInvalid: true });
    expect(report.count).toBe(3);
    expect(report.invalid).toBe(2);
  });

  it("passes the Jaccard options through", async () => {
    const report = await contrastiveness([{ chosen: "The end.", rejected: "the END" }], {
      tokenizer: "word",
      caseSensitive: false,
    });
    expect(report.jaccard.mean).toBe(100);
  });

  it("gives NaN statistics for an empty dataset", async () => {
    const report = await contrastiveness([]);
    expect(report.count).toBe(0);
    expect(report.jaccard.mean).toBeNaN();
  });
});

describe("ContrastivenessAccumulator", () => {
  it("accumulates pairs and keeps their values in order", () => {
    const accumulator = new ContrastivenessAccumulator();
    accumulator.addTexts("a b", "a c");
    accumulator.add({ chosen: "x", rejected: "xy" });
    expect(accumulator.count).toBe(2);
    expect(Array.from(accumulator.values().levenshtein)).toEqual([1, 1]);
    expect(accumulator.report().lengthRatio.min).toBe(0.5);
  });
});
