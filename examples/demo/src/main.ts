/**
 * The main job: the whole method at toy scale, locally, in minutes.
 *
 *   npx -y pnpm@10 demo            (from the repository root; writes demo-output/)
 *   npx -y pnpm@10 demo --quick    (a smoke run in seconds; writes demo-output-quick/, checks no claim)
 *   npx -y pnpm@10 --filter @apo-clair/demo demo -- [out-dir] [--quick] [--set=epochs=6 …] [--objectives=SFT,APO-zero]
 *   … demo -- --lora --objectives=APO-zero    (align with LoRA adapters, r 8, alpha 16, all linear layers)
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { OBJECTIVES, type ObjectiveName } from "./align.js";
import { type DemoConfig, FULL_DEMO, QUICK_DEMO } from "./demo-config.js";
import { runDemo } from "./run-demo.js";

const args = process.argv.slice(2).filter((a) => a !== "--");
const quick = args.includes("--quick");
// A smoke run has its own folder so that it never overwrites a full report.
const out = resolve(args.find((a) => !a.startsWith("--")) ?? (quick ? "demo-output-quick" : "demo-output"));
const previous = join(out, "results.json");
if (quick && existsSync(previous)) {
  const { smoke } = JSON.parse(readFileSync(previous, "utf8")) as { smoke?: boolean };
  if (smoke !== true) {
    console.error(
      `${out} holds a full demo report; a --quick run would overwrite it. Give another folder: npx -y pnpm@10 --filter @apo-clair/demo demo -- demo-output-quick --quick`,
    );
    process.exit(2);
  }
}
console.log(
  quick
    ? "apo-clair demo, quick smoke run: every stage at toy sizes, no claims\n"
    : "apo-clair demo: the paper's four datasets × its objectives at toy scale → Table 1, Table 2, Figure 4, verdicts\n",
);
// --set key=value overrides one numeric setting, e.g. --set=epochs=6
const config: DemoConfig = { ...(quick ? QUICK_DEMO : FULL_DEMO) };
for (const arg of args.filter((a) => a.startsWith("--set="))) {
  const [key = "", value = ""] = arg.slice("--set=".length).split("=");
  const numeric = Object.entries(config)
    .filter(([, v]) => typeof v === "number")
    .map(([k]) => k);
  if (!numeric.includes(key) || !Number.isFinite(Number(value))) {
    console.error(`--set=${key}=${value}: expected one of ${numeric.join(", ")} with a number`);
    process.exit(2);
  }
  (config as unknown as Record<string, number>)[key] = Number(value);
}
// --lora aligns LoRA adapters (r 8, alpha 16 on every linear layer) instead of every weight
if (args.includes("--lora")) config.lora = { r: 8, alpha: 16, targets: ["all-linear"] };
// --objectives=SFT,APO-zero trains only these
for (const arg of args.filter((a) => a.startsWith("--objectives="))) {
  const names = arg.slice("--objectives=".length).split(",");
  const bad = names.filter((n) => !(n in OBJECTIVES));
  if (bad.length > 0 || names.length === 0) {
    console.error(`${arg}: expected a comma-separated list of ${Object.keys(OBJECTIVES).join(", ")}`);
    process.exit(2);
  }
  config.objectives = names as ObjectiveName[];
}
const known = (a: string) =>
  a === "--quick" || a === "--lora" || a.startsWith("--set=") || a.startsWith("--objectives=");
const unknown = args.filter((a) => a.startsWith("--") && !known(a));
if (unknown.length > 0) {
  console.error(
    `unknown option ${unknown.join(" ")}: expected [out-dir] [--quick] [--lora] [--set=key=value …] [--objectives=SFT,APO-zero,…]`,
  );
  process.exit(2);
}
const report = await runDemo(config, out, (line) => console.log(line));
console.log(`\nReport: ${report}`);
