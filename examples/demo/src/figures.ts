import { type ChartSeries, type LineChart, lineChartSvg } from "@apo/trainer";
import type { ObjectiveName, TrajectoryPoint } from "./align.js";
import { DATASET_NAMES } from "./datasets.js";
import type { DemoResults } from "./results.js";

/** One colour per objective, the same in every figure (colour-blind-safe). */
export const OBJECTIVE_COLORS: Record<ObjectiveName, string> = {
  SFT: "#7f7f7f",
  DPO: "#0072b2",
  KTO: "#cc79a7",
  "APO-zero": "#d55e00",
  "APO-down": "#009e73",
  "APO-anchored": "#e69f00",
};

/** The objectives the paper's Figure 4 draws. */
export const FIGURE4_OBJECTIVES: readonly ObjectiveName[] = ["APO-zero", "APO-down", "DPO"];

/**
 * The paper's Figure 4: per dataset (one row each), the held-out log-likelihood (left) and reward (right)
 * of the winning (solid) and losing (dashed) answers over training, for APO-zero, APO-down and DPO.
 */
export function figure4Svg(r: DemoResults): string {
  const panels: LineChart[] = [];
  for (const dataset of DATASET_NAMES) {
    const cells = FIGURE4_OBJECTIVES.flatMap((o) =>
      r.cells.filter((c) => c.dataset === dataset && c.objective === o),
    );
    const series = (pick: (p: TrajectoryPoint, side: "chosen" | "rejected") => number): ChartSeries[] =>
      cells.flatMap((c) =>
        (["chosen", "rejected"] as const).map((side) => ({
          name: `${c.objective}, ${side === "chosen" ? "winning" : "losing"}`,
          color: OBJECTIVE_COLORS[c.objective],
          dashed: side === "rejected",
          points: c.trajectory.map((p) => [p.step, pick(p, side)] as const),
        })),
      );
    panels.push(
      {
        title: `${dataset}: log-likelihood`,
        xLabel: "training step",
        yLabel: "mean log π(y|x), held-out pairs",
        series: series((p, side) => (side === "chosen" ? p.chosenLogp : p.rejectedLogp)),
      },
      {
        title: `${dataset}: reward`,
        xLabel: "training step",
        yLabel: "mean β·log(π/π_ref), held-out pairs",
        zeroLine: true,
        series: series((p, side) => (side === "chosen" ? p.chosenReward : p.rejectedReward)),
      },
    );
  }
  return lineChartSvg(panels, { columns: 2 });
}

/**
 * Table 2 as curves: per dataset, greedy accuracy of every objective's checkpoints by epoch (epoch 0 is
 * the model before alignment), with the starting accuracy ± 2 standard errors dashed.
 */
export function accuracySvg(r: DemoResults): string {
  const panels: LineChart[] = DATASET_NAMES.map((dataset) => {
    const cells = r.cells.filter((c) => c.dataset === dataset);
    const epochs = Math.max(1, ...cells.map((c) => c.change.accuracies.length));
    // One legend entry for both edges of the band.
    const band = (sign: number, name: string): ChartSeries => ({
      name,
      color: "#999",
      dashed: true,
      markers: false,
      points: [0, epochs].map((x) => [x, 100 * (r.accuracyBefore + sign * 2 * r.seBefore)] as const),
    });
    return {
      title: `${dataset}: accuracy by epoch`,
      xLabel: "epoch (0: before alignment)",
      yLabel: "greedy accuracy, % of evaluation prompts",
      series: [
        ...cells.map((c) => ({
          name: c.objective,
          color: OBJECTIVE_COLORS[c.objective],
          points: [
            [0, 100 * r.accuracyBefore] as const,
            ...c.change.accuracies.map((a, i) => [i + 1, 100 * a] as const),
          ],
        })),
        band(1, "before ± 2 SE"),
        band(-1, ""),
      ],
    };
  });
  return lineChartSvg(panels, { columns: 2 });
}
