import { describe, expect, it } from "vitest";
import { lineChartSvg } from "./line-chart-svg.js";

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
