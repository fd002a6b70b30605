import { apoDownLoss, apoZeroLoss, dpoLoss, type PairedBatch, type PairedLossResult } from "@apo/losses";
import { type ChartSeries, lineChartSvg } from "@apo/trainer";

type LossFn = (batch: PairedBatch, params?: { beta?: number }) => PairedLossResult;

/** The three objectives the paper compares in Figure 3. */
export const FIGURE3_LOSSES: ReadonlyArray<{ label: string; color: string; fn: LossFn }> = [
  { label: "DPO", color: "#1f77b4", fn: dpoLoss },
  { label: "APO-zero", color: "#d62728", fn: apoZeroLoss },
  { label: "APO-down", color: "#2ca02c", fn: apoDownLoss },
];

/**
 * The paper's Figure 3 as numbers: how hard each objective pushes the chosen and the rejected log-likelihood
 * (−∂L/∂c, −∂L/∂r: positive raises the likelihood) as the chosen reward βΔc sweeps from −range to +range
 * with the rejected reward held at `rejectedReward`.
 */
export function figure3Curves(beta = 0.1, range = 8, rejectedReward = -1, steps = 81) {
  const rewards = Array.from({ length: steps }, (_, i) => -range + (2 * range * i) / (steps - 1));
  const batch: PairedBatch = {
    policyChosen: rewards.map((rw) => rw / beta),
    referenceChosen: rewards.map(() => 0),
    policyRejected: rewards.map(() => rejectedReward / beta),
    referenceRejected: rewards.map(() => 0),
  };
  return FIGURE3_LOSSES.map(({ label, color, fn }) => {
    const result = fn(batch, { beta });
    return {
      label,
      color,
      chosen: rewards.map((rw, i) => [rw, -(result.gradChosen[i] as number)] as const),
      rejected: rewards.map((rw, i) => [rw, -(result.gradRejected[i] as number)] as const),
    };
  });
}

/** Figure 3 as an SVG with two panels: the push on the chosen and on the rejected likelihood. */
export function figure3Svg(beta = 0.1): string {
  const curves = figure3Curves(beta);
  const series = (key: "chosen" | "rejected"): ChartSeries[] =>
    curves.map((c) => ({ name: c.label, color: c.color, points: c[key] }));
  return lineChartSvg([
    {
      title: "push on log π(y_w|x)  (−∂L/∂c)",
      xLabel: "chosen reward βΔc (rejected reward −1)",
      yLabel: "> 0 raises the winning likelihood",
      series: series("chosen"),
      zeroLine: true,
    },
    {
      title: "push on log π(y_l|x)  (−∂L/∂r)",
      xLabel: "chosen reward βΔc (rejected reward −1)",
      yLabel: "< 0 lowers the losing likelihood",
      series: series("rejected"),
      zeroLine: true,
    },
  ]);
}
