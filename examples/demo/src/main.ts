/**
 * The main job: the whole method at toy scale, locally, in minutes.
 *
 *   npx -y pnpm@10 demo            (from the repository root)
 *   pnpm --filter @apo-clair/demo demo -- [out-dir] [--quick] [--set=alignSteps=200 …]
 */
import { resolve } from "node:path";
import { type DemoConfig, FULL_DEMO, QUICK_DEMO } from "./demo-config.js";
import { runDemo } from "./run-demo.js";

const args = process.argv.slice(2).filter((a) => a !== "--");
const quick = args.includes("--quick");
const out = resolve(args.find((a) => !a.startsWith("--")) ?? "demo-output");
console.log(
  `apo-clair demo${quick ? " (quick)" : ""}: CLAIR data → contrast → APO alignment → before/after\n`,
);
// --set key=value overrides one setting, e.g. --set alignSteps=200
const config: DemoConfig = { ...(quick ? QUICK_DEMO : FULL_DEMO) };
for (const arg of args.filter((a) => a.startsWith("--set="))) {
  const [key = "", value = ""] = arg.slice("--set=".length).split("=");
  if (!(key in config) || !Number.isFinite(Number(value))) {
    console.error(`--set ${key}=${value}: expected one of ${Object.keys(config).join(", ")} with a number`);
    process.exit(2);
  }
  (config as unknown as Record<string, number>)[key] = Number(value);
}
const report = await runDemo(config, out, (line) => console.log(line));
console.log(`\nReport: ${report}`);
