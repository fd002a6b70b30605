/**
 * APO-zero vs DPO vs APO-down on a handful of pairs: which way does each objective move the winning and the
 * losing likelihood? Writes the paper's Figure 3 as figure3.svg.
 *
 *   pnpm --filter @apo-clair/example-losses-basic start [out-dir]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { FIGURE3_LOSSES, figure3Svg } from "./figure3.js";

const pairs = {
  label: ["at init (Δ = 0)", "chosen up, rejected up", "chosen down, rejected down more", "chosen up a lot"],
  policyChosen: [-20, -18, -24, -5],
  referenceChosen: [-20, -20, -20, -20],
  policyRejected: [-25, -23, -35, -25],
  referenceRejected: [-25, -25, -25, -25],
};

/** Prints the per-pair direction of each objective and writes figure3.svg; returns the SVG path. */
export function runLossesExample(outDir: string, log: (line: string) => void = console.log): string {
  log("Per-pair gradients (β = 0.1). ↑ = the step raises that likelihood, ↓ = lowers it.\n");
  log(`| pair | ${FIGURE3_LOSSES.map((l) => `${l.label} y_w | ${l.label} y_l`).join(" | ")} |`);
  log(`|---|${FIGURE3_LOSSES.map(() => "---|---").join("|")}|`);
  const results = FIGURE3_LOSSES.map((l) => l.fn(pairs));
  const arrow = (g: number) => (g === 0 ? "0" : `${-g > 0 ? "↑" : "↓"} ${Math.abs(g).toFixed(4)}`);
  pairs.label.forEach((label, i) => {
    const cells = results.map(
      (r) => `${arrow(r.gradChosen[i] as number)} | ${arrow(r.gradRejected[i] as number)}`,
    );
    log(`| ${label} | ${cells.join(" | ")} |`);
  });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, "figure3.svg");
  writeFileSync(file, figure3Svg());
  log(`\nFigure 3 (direction and magnitude of each objective's push) written to ${file}`);
  return file;
}

if (process.argv[1] && resolve(process.argv[1]).endsWith(join("losses-basic", "src", "main.ts"))) {
  runLossesExample(resolve(process.argv[2] ?? "out"));
}
