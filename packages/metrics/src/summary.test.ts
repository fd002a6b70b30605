import { describe, expect, it } from "vitest";
import { quantileOfSorted, summarize, ValueColumn } from "./summary.js";

describe("summarize", () => {
  it("gives mean, sample std, linear-interpolation percentiles (NumPy's default), min and max", () => {
    const s = summarize(Float64Array.of(10, 1, 4, 3, 2));
    expect(s.count).toBe(5);
    expect(s.mean).toBe(4);
    expect(s.std).toBeCloseTo(Math.sqrt((36 + 9 + 0 + 1 + 4) / 4), 12);
    // numpy.percentile([1, 2, 3, 4, 10], [10, 50, 90]) = [1.4, 3, 7.6]
    expect(s.p10).toBeCloseTo(1.4, 12);
    expect(s.median).toBe(3);
    expect(s.p90).toBeCloseTo(7.6, 12);
    expect(s.min).toBe(1);
    expect(s.max).toBe(10);
  });

  it("handles one value and none", () => {
    expect(summarize(Float64Array.of(7))).toEqual({
      count: 1,
      mean: 7,
      std: 0,
      median: 7,
      p10: 7,
      p90: 7,
      min: 7,
      max: 7,
    });
    const empty = summarize(new Float64Array(0));
    expect(empty.count).toBe(0);
    expect(empty.mean).toBeNaN();
    expect(empty.median).toBeNaN();
  });

  it("interpolates the median of an even count", () => {
    expect(quantileOfSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileOfSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileOfSorted([1, 2, 3, 4], 1)).toBe(4);
  });

  it("keeps an infinite length ratio visible instead of dropping it", () => {
    const s = summarize(Float64Array.of(1, 2, Number.POSITIVE_INFINITY));
    expect(s.max).toBe(Number.POSITIVE_INFINITY);
    expect(s.median).toBe(2);
  });
});

describe("ValueColumn", () => {
  it("grows and copies out in order", () => {
    const column = new ValueColumn(2);
    for (let i = 0; i < 10; i++) column.push(i);
    column.pushAll([10, 11]);
    expect(Array.from(column.toArray())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});
