/**
 * Train every TRL-oracle case (or the named ones) with our `train()` in float64 and float32 and print the
 * worst errors against the recorded TRL runs (the numbers of oracle/README.md's table):
 *
 * ```text
 * npx tsx --conditions=@apo-clair/source oracle/trl-oracle-compare.ts test/fixtures/trl-oracle.json [CASE...]
 * ```
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TRL_ORACLE_CASES, writeTrlOracleInputs } from "./trl-oracle-cases.js";
import {
  compareTrlOracleRun,
  runTrlOracleCase,
  type TrlOracleErrors,
  type TrlOracleFixture,
  trlRunAsOurs,
} from "./trl-oracle-run.js";

const [file, ...only] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: trl-oracle-compare.ts FIXTURE [CASE...]");
const fixture = JSON.parse(await readFile(file, "utf8")) as TrlOracleFixture;
const dir = await mkdtemp(join(tmpdir(), "apo-trl-oracle-"));
await writeTrlOracleInputs(dir);

const fmt = (e: TrlOracleErrors) =>
  `ref ${e.reference.toExponential(1)} loss ${e.loss.toExponential(1)} grad ${e.gradNorm.toExponential(1)} ` +
  `lr ${e.learningRate.toExponential(1)} rewards ${e.rewardsChosen.toExponential(1)}/${e.rewardsRejected.toExponential(1)} ` +
  `weights ${e.weights.toExponential(1)} (${e.worstTensor}) steps ${e.steps}`;

const QUANTITIES = ["reference", "loss", "gradNorm", "rewardsChosen", "rewardsRejected", "weights"] as const;
const e1 = (x: number) => x.toExponential(1);

/** A README table row: float64 errors, and our float32 error over TRL's own (worst quantity). */
function tableRow(
  name: string,
  steps: number,
  e64: TrlOracleErrors,
  e32: TrlOracleErrors,
  t32: TrlOracleErrors,
) {
  const rewards = Math.max(e64.rewardsChosen, e64.rewardsRejected);
  const ratios = QUANTITIES.map((q) => e32[q] / t32[q]);
  const ratio = Math.max(...ratios);
  const worst = QUANTITIES[ratios.indexOf(ratio)];
  return (
    `| ${name} | ${steps} | ${e1(e64.reference)} | ${e1(e64.loss)} | ${e1(rewards)} | ${e1(e64.gradNorm)} | ` +
    `${e1(e64.weights)} | ${ratio.toFixed(1)}× (${worst}) |`
  );
}

const table: string[] = [];
for (const c of TRL_ORACLE_CASES) {
  if (only.length > 0 && !only.includes(c.name)) continue;
  const record = fixture.cases[c.name];
  if (record === undefined) {
    process.stdout.write(`${c.name}: not in the fixture\n`);
    continue;
  }
  try {
    const started = performance.now();
    const f64 = await runTrlOracleCase(c, dir, join(dir, "runs", `${c.name}-f64`), "float64");
    const f32 = await runTrlOracleCase(c, dir, join(dir, "runs", `${c.name}-f32`), "float32");
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const rows = JSON.stringify(f64.rows) === JSON.stringify(record.rows) ? "rows equal" : "ROWS DIFFER";
    process.stdout.write(`${c.name} (${seconds}s): ${rows}\n`);
    const e64 = compareTrlOracleRun(f64, record.float64, c.beta);
    const e32 = compareTrlOracleRun(f32, record.float64, c.beta);
    process.stdout.write(`  ours f64 vs TRL f64: ${fmt(e64)}\n`);
    process.stdout.write(`  ours f32 vs TRL f64: ${fmt(e32)}\n`);
    const theirs = compareTrlOracleRun(trlRunAsOurs(record.float32), record.float64, c.beta);
    process.stdout.write(`  TRL f32 vs TRL f64:  ${fmt(theirs)}\n`);
    table.push(tableRow(c.name, record.float64.steps.length, e64, e32, theirs));
  } catch (e) {
    process.stdout.write(`${c.name}: FAILED ${(e as Error).message}\n`);
  }
}
process.stdout.write(
  "\n| case | steps | reference | loss | rewards | grad norm | weights / update | our f32 err / TRL's f32 err |\n" +
    "|---|---|---|---|---|---|---|---|\n" +
    `${table.join("\n")}\n`,
);
