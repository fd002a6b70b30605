import { describe, expect, it } from "vitest";
import { allOf, checkpointChange, pairedDifference, verdictOf } from "./stats.js";

describe("stats", () => {
  it("pairs differences over the same items", () => {
    const { diff, se } = pairedDifference([1, 1, 0, 1], [1, 0, 0, 1]);
    expect(diff).toBeCloseTo(0.25, 12);
    // d = [0, 1, 0, 0]: sd = 0.5, se = 0.5 / 2
    expect(se).toBeCloseTo(0.25, 12);
    expect(pairedDifference([1, 0, 1], [1, 0, 1])).toEqual({ diff: 0, se: 0 });
  });

  it("gives the paper's max and mean change over checkpoints", () => {
    const before = [1, 0, 0, 0];
    const change = checkpointChange(before, [
      [1, 1, 0, 0],
      [0, 0, 0, 0],
      [1, 1, 1, 0],
    ]);
    expect(change.accuracies).toEqual([0.5, 0, 0.75]);
    expect(change.maxDelta).toBeCloseTo(0.5, 12);
    expect(change.bestEpoch).toBe(3);
    expect(change.meanDelta).toBeCloseTo((0.25 - 0.25 + 0.5) / 3, 12);
    expect(Array.from(change.perPrompt)).toEqual([2 / 3, 2 / 3, 1 / 3, 0]);
  });

  it("calls a difference only beyond two standard errors", () => {
    expect(verdictOf({ diff: 0.03, se: 0.01 })).toBe("holds");
    expect(verdictOf({ diff: -0.03, se: 0.01 })).toBe("does not hold");
    expect(verdictOf({ diff: 0.019, se: 0.01 })).toBe("within noise");
    expect(verdictOf({ diff: 0, se: 0 })).toBe("within noise");
    expect(allOf(["holds", "within noise"])).toBe("within noise");
    expect(allOf(["holds", "does not hold"])).toBe("does not hold");
    expect(allOf(["holds", "holds"])).toBe("holds");
  });
});
