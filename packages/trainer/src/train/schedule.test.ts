import { describe, expect, it } from "vitest";
import { lineChartSvg } from "./line-chart-svg.js";
import { learningRateAt } from "./lr-schedule.js";
import { splitHeldOut } from "./split-held-out.js";
import { TrainRng } from "./train-rng.js";

describe("learning-rate schedule", () => {
  it("decays linearly to 0 after an optional warmup", () => {
    const at = (s: number, warmupSteps = 0) => learningRateAt({ lr: 1, totalSteps: 10, warmupSteps }, s);
    expect([0, 1, 5, 9].map((s) => at(s))).toEqual([1, 0.9, 0.5, 0.1]);
    expect([0, 1, 2, 6].map((s) => at(s, 2))).toEqual([0.5, 1, 1, 0.5]);
    expect(() => at(10)).toThrow(/step = 10 is invalid/);
  });
});

describe("seeded generator and held-out split", () => {
  it("restores its state exactly and gives permutations", () => {
    const a = new TrainRng(7);
    a.permutation(5);
    const b = new TrainRng(0, a.state);
    expect(b.permutation(20)).toEqual(a.permutation(20));
    expect([...new TrainRng(7).permutation(50)].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect(new TrainRng(1).permutation(50)).not.toEqual(new TrainRng(2).permutation(50));
  });

  it("holds out a seeded fraction, at least one item", () => {
    const items = [...Array(20).keys()];
    const { train, heldOut } = splitHeldOut(items, 0.1, 3);
    expect(heldOut).toHaveLength(2);
    expect([...train, ...heldOut].sort((x, y) => x - y)).toEqual(items);
    expect(splitHeldOut(items, 0.1, 3)).toEqual({ train, heldOut });
    expect(splitHeldOut([1, 2, 3], 0.01, 0).heldOut).toHaveLength(1);
    expect(splitHeldOut(items, 0, 3).heldOut).toEqual([]);
    expect(() => splitHeldOut(items, 1, 3)).toThrow(/evalFraction/);
  });
});

describe("line chart", () => {
  it("draws one polyline per series, escapes text, skips non-finite points", () => {
    const svg = lineChartSvg({
      title: "a < b",
      xLabel: "step",
      yLabel: "y",
      zeroLine: true,
      series: [
        {
          name: "chosen",
          points: [
            [0, 0],
            [1, 0.5],
            [2, Number.NaN],
          ],
        },
        {
          name: "rejected",
          points: [
            [0, 0],
            [1, -0.5],
          ],
        },
      ],
    });
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg).toContain("a &lt; b");
    expect(svg).not.toContain("NaN");
    expect(svg).toContain('stroke-dasharray="4 3"');
  });
});
