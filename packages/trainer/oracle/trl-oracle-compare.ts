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
import { TRL_ORACLE_CASES, TRL_ORACLE_MODELS, writeTrlOracleInputs } from "./trl-oracle-cases.js";
import {
  compareTrlOracleRun,
  type Float32Quantity,
  float32Bounds,
  roundingNoise,
  runTrlOracleCase,
  type TrlOracleErrors,
  type TrlOracleFixture,
  trlRunAsOurs,
  writeNudgedModel,
} from "./trl-oracle-run.js";

const [file, ...only] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: trl-oracle-compare.ts FIXTURE [CASE...]");
const fixture = JSON.parse(await readFile(file, "utf8")) as TrlOracleFixture;
const dir = await mkdtemp(join(tmpdir(), "apo-trl-oracle-"));
await writeTrlOracleInputs(dir);
/** Seeds of the nudged twins whose distance from our run is its rounding noise. */
const TWINS = [1, 2];
const nudged = (model: string, seed: number) => join(dir, "models", `${model}-nudged-${seed}`);
for (const model of Object.keys(TRL_ORACLE_MODELS)) {
  for (const seed of TWINS) await writeNudgedModel(join(dir, "models", model), nudged(model, seed), seed);
}

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

/**
 * A ratio table row: per quantity, our float32 error over TRL's own (both against TRL's float64 run, the
 * plain errors of the first table), then in brackets our error over the test's bound (`float32Bounds`:
 * TRL's error, the rounding floors, the rounding noise; weights beyond their storage rounding) where that
 * differs. The bound holds where the bracket is at most 1.
 */
function ratioRow(
  name: string,
  plain: { ours: TrlOracleErrors; theirs: TrlOracleErrors },
  ours: TrlOracleErrors,
  bound: Record<Float32Quantity, number>,
) {
  const cells = QUANTITIES.map((q) => {
    const raw = plain.ours[q] / plain.theirs[q];
    const bounded = ours[q] / bound[q];
    const text = Number.isFinite(raw) ? raw.toFixed(2) : "∞";
    return bounded.toFixed(2) === raw.toFixed(2) ? text : `${text} (${bounded.toFixed(2)})`;
  });
  return `| ${name} | ${cells.join(" | ")} |`;
}

const table: string[] = [];
const ratios: string[] = [];
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
    const twins = [];
    for (const seed of TWINS) {
      const out = join(dir, "runs", `${c.name}-twin-${seed}`);
      twins.push(await runTrlOracleCase(c, dir, out, "float32", nudged(c.model, seed)));
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const rows = JSON.stringify(f64.rows) === JSON.stringify(record.rows) ? "rows equal" : "ROWS DIFFER";
    process.stdout.write(`${c.name} (${seconds}s): ${rows}\n`);
    const e64 = compareTrlOracleRun(f64, record.float64, c.beta);
    const e32 = compareTrlOracleRun(f32, record.float64, c.beta);
    process.stdout.write(`  ours f64 vs TRL f64: ${fmt(e64)}\n`);
    process.stdout.write(`  ours f32 vs TRL f64: ${fmt(e32)}\n`);
    const theirs = compareTrlOracleRun(trlRunAsOurs(record.float32), record.float64, c.beta);
    process.stdout.write(`  TRL f32 vs TRL f64:  ${fmt(theirs)}\n`);
    // The test's terms: weights beyond their storage rounding (load + each step), the noise of the twins.
    const n = record.float64.steps.length + 1;
    const noise = roundingNoise(f32, twins, record.float64, c.beta, n);
    process.stdout.write(`  ours f32 vs twins:   ${fmt(noise)}\n`);
    const ours = compareTrlOracleRun(f32, record.float64, c.beta, record.float64, n);
    const theirsBeyond = compareTrlOracleRun(
      trlRunAsOurs(record.float32),
      record.float64,
      c.beta,
      record.float64,
      n,
    );
    const bound = float32Bounds(theirsBeyond, noise, record.float64);
    table.push(tableRow(c.name, record.float64.steps.length, e64, e32, theirs));
    ratios.push(ratioRow(c.name, { ours: e32, theirs }, ours, bound));
  } catch (e) {
    process.stdout.write(`${c.name}: FAILED ${(e as Error).message}\n`);
  }
}
process.stdout.write(
  "\n| case | steps | reference | loss | rewards | grad norm | weights / update | our f32 err / TRL's f32 err |\n" +
    "|---|---|---|---|---|---|---|---|\n" +
    `${table.join("\n")}\n` +
    `\n| case | ${QUANTITIES.join(" | ")} |\n|---|${QUANTITIES.map(() => "---|").join("")}\n` +
    `${ratios.join("\n")}\n`,
);
