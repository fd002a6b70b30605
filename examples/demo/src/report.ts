import { type ChartSeries, lineChartSvg } from "@apo/trainer";
import type { ContrastivenessReport } from "@clair/metrics";
import type { AlignmentLossName, TrajectoryPoint } from "./align.js";
import type { BuiltDataset } from "./datasets.js";

/** Everything the report shows. */
export interface DemoResults {
  config: Record<string, number | string>;
  accuracyBefore: number;
  datasets: ReadonlyArray<{ dataset: BuiltDataset; contrast: ContrastivenessReport }>;
  cells: ReadonlyArray<{
    dataset: string;
    loss: AlignmentLossName;
    accuracy: number;
    trajectory: readonly TrajectoryPoint[];
  }>;
  seconds: number;
}

const COLORS: Record<AlignmentLossName, string> = {
  "APO-zero": "#d62728",
  "APO-down": "#2ca02c",
  DPO: "#1f77b4",
};
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Figure 4 for one dataset: log-likelihood and reward of chosen and rejected over training, per objective. */
export function figure4Svg(dataset: string, cells: DemoResults["cells"]): string {
  const mine = cells.filter((c) => c.dataset === dataset);
  const series = (pick: (p: TrajectoryPoint) => number, dashed: boolean): ChartSeries[] =>
    mine.map((c) => ({
      name: `${c.loss} ${dashed ? "rejected" : "chosen"}`,
      color: COLORS[c.loss],
      points: c.trajectory.map((p) => [p.step, pick(p)] as const),
    }));
  return lineChartSvg([
    {
      title: `${dataset}: chosen log-likelihood`,
      xLabel: "training step",
      yLabel: "mean log π(y_w|x), held out",
      series: series((p) => p.chosenLogp, false),
      zeroLine: true,
    },
    {
      title: `${dataset}: rejected log-likelihood`,
      xLabel: "training step",
      yLabel: "mean log π(y_l|x), held out",
      series: series((p) => p.rejectedLogp, true),
      zeroLine: true,
    },
    {
      title: `${dataset}: reward margin`,
      xLabel: "training step",
      yLabel: "mean β(Δc − Δr), held out",
      zeroLine: true,
      series: mine.map((c) => ({
        name: c.loss,
        color: COLORS[c.loss],
        points: c.trajectory.map((p) => [p.step, p.chosenReward - p.rejectedReward] as const),
      })),
    },
  ]);
}

/** File-system-friendly name of a dataset. */
export const slug = (name: string): string => name.toLowerCase().replaceAll(" ", "-");

/** What the results say about the paper's claims, computed rather than assumed. */
function findings(r: DemoResults): string[] {
  const out: string[] = [];
  const byJaccard = [...r.datasets].sort((a, b) => b.contrast.jaccard.mean - a.contrast.jaccard.mean);
  const clair = r.datasets.find((d) => d.dataset.name === "CLAIR");
  const mostSimilar = byJaccard[0]?.dataset.name;
  out.push(
    mostSimilar === "CLAIR"
      ? "CLAIR pairs are the most contrastive (highest Jaccard similarity), as in the paper's Table 1."
      : `Unlike the paper's Table 1, ${mostSimilar} pairs are more similar than CLAIR's here.`,
  );
  if (clair !== undefined) {
    const minLev = Math.min(...r.datasets.map((d) => d.contrast.levenshtein.mean));
    out.push(
      clair.contrast.levenshtein.mean <= minLev
        ? "CLAIR also has the smallest Levenshtein distance."
        : "CLAIR does not have the smallest Levenshtein distance here.",
    );
  }
  const evalPrompts = Number(r.config["evaluation prompts"]);
  const se = Math.sqrt((r.accuracyBefore * (1 - r.accuracyBefore)) / Math.max(1, evalPrompts));
  out.push(
    `With ${evalPrompts} evaluation prompts the standard error of an accuracy is about ${pct(se)}: differences below ~${pct(2 * se)} are noise.`,
  );
  const best = [...r.cells].sort((a, b) => b.accuracy - a.accuracy)[0];
  if (best !== undefined) {
    out.push(
      best.dataset === "CLAIR" && best.loss === "APO-zero"
        ? "CLAIR with APO-zero gives the best accuracy, the paper's headline result."
        : `The best cell is ${best.dataset} with ${best.loss} (${pct(best.accuracy)}); the paper's best is CLAIR with APO-zero.`,
    );
  }
  for (const d of r.datasets) {
    const cells = r.cells.filter((c) => c.dataset === d.dataset.name);
    const dpo = cells.find((c) => c.loss === "DPO");
    const zero = cells.find((c) => c.loss === "APO-zero");
    if (dpo !== undefined && zero !== undefined) {
      const last = (c: typeof zero) => c.trajectory.at(-1);
      const chosenUp = (c: typeof zero) => (last(c)?.chosenReward ?? 0) > 0;
      out.push(
        `${d.dataset.name}: APO-zero ${chosenUp(zero) ? "raised" : "did not raise"} the held-out chosen likelihood; DPO ${chosenUp(dpo) ? "raised" : "lowered"} it.`,
      );
    }
  }
  return out;
}

/** The markdown report: setup, Table 1, Table 2, Figure 4 links and findings. */
export function reportMarkdown(r: DemoResults): string {
  const losses = [...new Set(r.cells.map((c) => c.loss))];
  const lines = [
    "# apo-clair demo: CLAIR + APO at toy scale",
    "",
    "A tiny Llama learns to sort 6 digits by SFT until it is right only part of the time; its own answers then",
    "become preference data (CLAIR, stronger preferred, on-policy judge), and copies of it are aligned with",
    "APO-zero, APO-down and DPO on each dataset. Everything runs locally and is seeded.",
    "",
    "## Setup",
    "",
    ...Object.entries(r.config).map(([k, v]) => `- ${k}: ${v}`),
    `- greedy accuracy after SFT (before alignment): **${pct(r.accuracyBefore)}**`,
    `- total time: ${r.seconds.toFixed(0)} s`,
    "",
    "## Table 1: contrastiveness of the datasets",
    "",
    "Jaccard is over character sets (×100; the answers are digit strings, so whitespace tokens would say little);",
    "Levenshtein is in characters.",
    "",
    "| dataset | pairs | filtered out | Jaccard ↑ | Levenshtein ↓ | length ratio |",
    "|---|---|---|---|---|---|",
    ...r.datasets.map(({ dataset, contrast }) => {
      const reasons = Object.entries(dataset.rejectedByReason)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ");
      return `| ${dataset.name} | ${contrast.count} | ${dataset.rejectedRows}${reasons ? ` (${reasons})` : ""} | ${contrast.jaccard.mean.toFixed(2)} | ${contrast.levenshtein.mean.toFixed(2)} | ${contrast.lengthRatio.mean.toFixed(2)} |`;
    }),
    "",
    "## Table 2: task accuracy after alignment (greedy, held-out prompts)",
    "",
    `| dataset | ${losses.join(" | ")} |`,
    `|---|${losses.map(() => "---").join("|")}|`,
    `| (before) | ${losses.map(() => pct(r.accuracyBefore)).join(" | ")} |`,
    ...r.datasets.map(({ dataset }) => {
      const row = losses.map((l) => {
        const cell = r.cells.find((c) => c.dataset === dataset.name && c.loss === l);
        return cell === undefined ? "–" : pct(cell.accuracy);
      });
      return `| ${dataset.name} | ${row.join(" | ")} |`;
    }),
    "",
    "## Figure 4: training dynamics on held-out pairs",
    "",
    ...r.datasets.map(({ dataset }) => `![${dataset.name}](figure4-${slug(dataset.name)}.svg)`),
    "",
    "## What came out",
    "",
    ...findings(r).map((f) => `- ${f}`),
    "",
    "This is a toy: one seed, a 6-digit sorting task, a model with a few hundred thousand parameters. Where it",
    "disagrees with the paper, that is reported above as it came out, not tuned away.",
    "",
  ];
  return lines.join("\n");
}
