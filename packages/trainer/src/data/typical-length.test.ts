import { describe, expect, it } from "vitest";
import type { TrainPair } from "./read-pairs.js";
import { typicalBatchLength } from "./typical-length.js";

function pair(chosen: [number, number], rejected: [number, number]): TrainPair {
  const row = ([p, c]: [number, number]) => ({
    promptIds: Array.from({ length: p }, () => 5),
    completionIds: Array.from({ length: c }, () => 6),
  });
  return { line: 1, chosen: row(chosen), rejected: row(rejected) };
}

describe("typicalBatchLength", () => {
  it("is the 90th percentile of the chosen and rejected rows' lengths", () => {
    // Rows of 1…20 tokens: the 18th smallest is 18.
    const pairs = Array.from({ length: 10 }, (_, i) => pair([1, 2 * i], [2, 2 * i]));
    const lengths = pairs
      .flatMap((p) => [p.chosen, p.rejected])
      .map((r) => r.promptIds.length + r.completionIds.length);
    expect([...lengths].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(typicalBatchLength(pairs)).toBe(18);
  });

  it("counts the rejected rows too, and a single row is its own length", () => {
    expect(typicalBatchLength([pair([3, 4], [300, 12])])).toBe(312);
    expect(typicalBatchLength([pair([3, 4], [0, 1])])).toBe(7);
  });

  it("is 0 without rows", () => {
    expect(typicalBatchLength([])).toBe(0);
  });
});
