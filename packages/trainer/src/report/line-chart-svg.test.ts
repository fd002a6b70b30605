import { describe, expect, it } from "vitest";
import {
  type ChartLayout,
  type LineChart,
  lineChartLayout,
  lineChartSvg,
  type TextBox,
} from "./line-chart-svg.js";

const line = (n: number, f: (i: number) => [number, number]) => Array.from({ length: n }, (_, i) => f(i));

/** Charts with the ranges, labels and legends our reports draw, and harder ones. */
const CHARTS: readonly LineChart[] = [
  {
    title: "CLAIR: reward",
    xLabel: "training step",
    yLabel: "mean β·log(π/π_ref), held-out pairs",
    zeroLine: true,
    series: [
      { name: "APO-zero, winning", points: line(9, (i) => [12 * i, -0.001 * i]) },
      { name: "APO-zero, losing", dashed: true, points: line(9, (i) => [12 * i, -0.0045 * i]) },
      { name: "APO-down, winning", points: line(9, (i) => [12 * i, -0.017 * i]) },
      { name: "APO-down, losing", dashed: true, points: line(9, (i) => [12 * i, -0.013 * i]) },
    ],
  },
  {
    title: "Held-out log-likelihood",
    xLabel: "optimizer step",
    yLabel: "mean summed log-prob",
    series: [
      { name: "chosen", points: line(21, (i) => [i, -310.5 + i]) },
      { name: "rejected", points: line(21, (i) => [i, -352.25 - 2 * i]) },
    ],
  },
  {
    title: "accuracy by epoch",
    xLabel: "epoch",
    yLabel: "greedy accuracy, %",
    series: [{ name: "SFT", points: line(5, (i) => [i, 43.4 + i]) }],
  },
  {
    title: "tiny values, no legend names",
    xLabel: "step",
    yLabel: "reward",
    series: [{ name: "", points: line(3, (i) => [100 * i, -0.00012 * i]) }],
  },
  {
    title: "Large values over fractional x: a title long enough that it has to shrink to fit in the panel",
    xLabel: "chosen reward βΔc (rejected reward −1)",
    yLabel: "a rather long y-axis label that is longer than the plot is tall, so it must shrink too",
    series: [
      {
        name: "a series with a long legend name",
        points: line(41, (i) => [-8 + 0.4 * i, 125000 * Math.sin(i)]),
      },
    ],
  },
  { title: "empty", xLabel: "x", yLabel: "y", series: [] },
];

const intersects = (a: TextBox, b: { x: number; y: number; width: number; height: number }) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

function texts(l: ChartLayout): TextBox[] {
  return [l.title, l.xLabel, l.yLabel, ...l.xTicks, ...l.yTicks, ...l.legend];
}

describe("line chart layout", () => {
  for (const chart of CHARTS) {
    it(`keeps every text apart and off the plot area: ${chart.title}`, () => {
      const l = lineChartLayout(chart);
      const boxes = texts(l);
      for (const [i, a] of boxes.entries()) {
        // Inside the panel.
        expect(a.x, a.text).toBeGreaterThanOrEqual(0);
        expect(a.y, a.text).toBeGreaterThanOrEqual(0);
        expect(a.x + a.width, a.text).toBeLessThanOrEqual(l.width);
        expect(a.y + a.height, a.text).toBeLessThanOrEqual(l.height);
        // Off the plot area, where the curves are.
        expect(intersects(a, l.plot), `${a.text} overlaps the plot area`).toBe(false);
        for (const b of boxes.slice(i + 1)) {
          expect(intersects(a, b), `"${a.text}" overlaps "${b.text}"`).toBe(false);
        }
      }
    });
  }

  it("puts the rotated y label clear of the y tick labels and the legend right of the plot", () => {
    const l = lineChartLayout(CHARTS[0] as LineChart);
    const ticksLeft = Math.min(...l.yTicks.map((t) => t.x));
    expect(l.yLabel.x + l.yLabel.width).toBeLessThan(ticksLeft);
    for (const entry of l.legend) expect(entry.x).toBeGreaterThan(l.plot.x + l.plot.width);
  });

  it("gives integer data integer ticks", () => {
    for (const [chart, expected] of [
      [CHARTS[1], [0, 5, 10, 15, 20]],
      [CHARTS[2], [0, 1, 2, 3, 4]],
    ] as const) {
      const l = lineChartLayout(chart as LineChart);
      expect(l.xTicks.map((t) => t.value)).toEqual(expected);
      expect(l.xTicks.map((t) => t.text)).toEqual(expected.map(String));
    }
    // Two steps, 0 and 1: no 0.5.
    const two = lineChartLayout({
      title: "",
      xLabel: "",
      yLabel: "",
      series: [
        {
          name: "s",
          points: [
            [0, 1],
            [1, 2],
          ],
        },
      ],
    });
    expect(two.xTicks.map((t) => t.text)).toEqual(["0", "1"]);
  });

  it("labels ticks alike, with a real minus sign and no −0", () => {
    const l = lineChartLayout(CHARTS[0] as LineChart);
    const labels = l.yTicks.map((t) => t.text);
    expect(labels.some((t) => t.startsWith("\u2212"))).toBe(true);
    expect(labels.join("")).not.toContain("-");
    expect(labels).toContain("0.00");
    const decimals = new Set(labels.map((t) => t.split(".")[1]?.length ?? 0));
    expect(decimals.size).toBe(1);
    const svg = lineChartSvg(CHARTS[0] as LineChart);
    expect(svg).toContain(">\u22120.10</text>");
    expect(svg).not.toMatch(/>-\d/);
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
          dashed: true,
          points: [
            [0, 0],
            [1, -0.5],
          ],
        },
        {
          name: "",
          markers: false,
          points: [
            [0, 0.1],
            [1, 0.1],
          ],
        },
      ],
    });
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg).toContain("a &lt; b");
    expect(svg).not.toContain("NaN");
    expect(svg).toContain('stroke-dasharray="4 3"');
    // The dashed series: its line and its legend swatch.
    expect(svg.match(/stroke-dasharray="6 4"/g)).toHaveLength(2);
    // Two legend entries: the unnamed series has none.
    expect(svg.match(/stroke-width="3"/g)).toHaveLength(2);
  });

  it("draws several charts side by side as panels of one document, or in rows", () => {
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
    const grid = lineChartSvg([panel("a"), panel("b"), panel("c")], { columns: 2 });
    expect(grid.match(/^<svg [^>]*width="1280" height="800"/)).not.toBeNull();
    expect(grid).toContain('<g transform="translate(0 400)">');
  });
});
