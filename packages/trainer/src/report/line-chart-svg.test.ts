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

  it("draws several charts side by side as panels of one document", () => {
    const panel = (title: string) => ({
      title,
      xLabel: "x",
      yLabel: "y",
      series: [
        {
          name: "s",
          color: "#c00",
          points: [
            [0, 1],
            [1, 2],
          ] as const,
        },
      ],
    });
    const svg = lineChartSvg([panel("left"), panel("right")]);
    expect(svg.match(/^<svg [^>]*width="1280" height="400"/)).not.toBeNull();
    expect(svg.match(/<g transform="translate\((0|640) 0\)">/g)).toHaveLength(2);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    // A panel draws exactly what the chart alone draws, inside its group.
    const alone = lineChartSvg(panel("left")).split("\n").slice(2, -2).join("\n");
    expect(svg).toContain(`<g transform="translate(0 0)">\n${alone}\n</g>`);
  });
});
