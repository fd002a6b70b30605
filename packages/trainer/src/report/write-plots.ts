import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withPath } from "../io-error.js";
import type { EvalMetrics } from "./evaluate-pairs.js";
import { lineChartSvg } from "./line-chart-svg.js";

/** The SVG files {@link writeMetricPlots} writes under `<out>/plots/`. */
export const PLOT_FILES = [
  "log-likelihood.svg",
  "rewards.svg",
  "reward-margin.svg",
  "reward-accuracy.svg",
  "loss.svg",
] as const;

/**
 * Draw the held-out trajectories (the paper's Figure 4) as SVG line charts over optimizer steps:
 * chosen and rejected log-likelihoods, chosen and rejected rewards, the reward margin, the reward
 * accuracy and the loss, one file each under `<out>/plots/`.
 *
 * @example
 * ```ts
 * await writeMetricPlots("runs/clair", metrics); // runs/clair/plots/rewards.svg, …
 * ```
 */
export async function writeMetricPlots(out: string, metrics: readonly EvalMetrics[]): Promise<string[]> {
  const dir = join(out, "plots");
  await withPath(dir, "create the folder", () => mkdir(dir, { recursive: true }));
  const line = (name: string, pick: (m: EvalMetrics) => number) => ({
    name,
    points: metrics.map((m) => [m.step, pick(m)] as const),
  });
  const charts = {
    "log-likelihood.svg": lineChartSvg({
      title: "Held-out log-likelihood",
      xLabel: "optimizer step",
      yLabel: "mean summed log-prob",
      series: [line("chosen", (m) => m.chosen_logp), line("rejected", (m) => m.rejected_logp)],
    }),
    "rewards.svg": lineChartSvg({
      title: "Held-out rewards",
      xLabel: "optimizer step",
      yLabel: "reward (β · log-ratio)",
      zeroLine: true,
      series: [line("chosen", (m) => m.chosen_reward), line("rejected", (m) => m.rejected_reward)],
    }),
    "reward-margin.svg": lineChartSvg({
      title: "Held-out reward margin",
      xLabel: "optimizer step",
      yLabel: "chosen − rejected reward",
      zeroLine: true,
      series: [line("margin", (m) => m.reward_margin)],
    }),
    "reward-accuracy.svg": lineChartSvg({
      title: "Held-out reward accuracy",
      xLabel: "optimizer step",
      yLabel: "fraction chosen reward > rejected",
      series: [line("accuracy", (m) => m.reward_accuracy)],
    }),
    "loss.svg": lineChartSvg({
      title: "Held-out loss",
      xLabel: "optimizer step",
      yLabel: "loss",
      series: [line("loss", (m) => m.loss)],
    }),
  } satisfies Record<(typeof PLOT_FILES)[number], string>;
  const written: string[] = [];
  for (const [file, svg] of Object.entries(charts)) {
    await withPath(join(dir, file), "write", () => writeFile(join(dir, file), svg));
    written.push(join(dir, file));
  }
  return written;
}
