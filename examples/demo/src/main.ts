/**
 * The main job: the whole method at toy scale, locally, in minutes.
 *
 *   npx -y pnpm@10 demo            (from the repository root)
 *   pnpm --filter @apo-clair/demo demo -- [out-dir] [--quick]
 */
import { resolve } from "node:path";
import { FULL_DEMO, QUICK_DEMO } from "./demo-config.js";
import { runDemo } from "./run-demo.js";

const args = process.argv.slice(2).filter((a) => a !== "--");
const quick = args.includes("--quick");
const out = resolve(args.find((a) => !a.startsWith("--")) ?? "demo-output");
console.log(
  `apo-clair demo${quick ? " (quick)" : ""}: CLAIR data → contrast → APO alignment → before/after\n`,
);
const report = await runDemo(quick ? QUICK_DEMO : FULL_DEMO, out, (line) => console.log(line));
console.log(`\nReport: ${report}`);
