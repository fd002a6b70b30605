/**
 * Compare our onnxruntime log-probs and weight gradients with `transformers_oracle.py`'s, case by case,
 * in float64 and float32, and print the worst relative errors. With `--fixture FILE`, also write the
 * compact fixture that `test/transformers-oracle.test.ts` checks on every CI run.
 *
 * ```text
 * npx tsx --conditions=@apo-clair/source oracle/compare.ts TORCH_OUT_DIR [--fixture FILE]
 * ```
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ORACLE_CASES, oracleCoefficients, oracleModel, oracleRows } from "./cases.js";
import { type OracleFixture, sampleIndices } from "./fixture.js";
import { lossGradients } from "./loss-gradients.js";
import { STEP_CASES, stepModelCase } from "./step-cases.js";
import { trainSteps } from "./train-steps.js";

type TensorIndex = { name: string; shape: number[] }[];

interface TorchResult {
  readonly logp: number[];
  readonly tokens: number[];
  readonly grads: TensorIndex;
}

interface TorchSteps {
  readonly losses: number[];
  readonly grad_norms: number[];
  readonly weights: TensorIndex;
}

/** Tensors written by `transformers_oracle.py`: float64, concatenated in the order of `index`. */
async function readTensors(file: string, index: TensorIndex): Promise<Map<string, Float64Array>> {
  const bytes = await readFile(file);
  const all = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const out = new Map<string, Float64Array>();
  let offset = 0;
  for (const { name, shape } of index) {
    const n = shape.reduce((a, b) => a * b, 1);
    out.set(name, all.subarray(offset, offset + n));
    offset += n;
  }
  if (offset !== all.length) throw new Error(`${file} holds ${all.length} values, its index ${offset}`);
  return out;
}

async function readTorch(dir: string): Promise<{ result: TorchResult; grads: Map<string, Float64Array> }> {
  const result = JSON.parse(await readFile(join(dir, "result.json"), "utf8")) as TorchResult;
  return { result, grads: await readTensors(join(dir, "grads.f64"), result.grads) };
}

/** max_i |a_i / b_i − 1|. */
function worstRelative(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v / b[i]! - 1)));
}

/** max |a − b| / max |b|: the error relative to the tensor's own scale. */
function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { fixture: { type: "string" } },
});
const torchDir = positionals[0];
if (torchDir === undefined) throw new Error("usage: compare.ts TORCH_OUT_DIR [--fixture FILE]");
const env = JSON.parse(await readFile(join(torchDir, "env.json"), "utf8")) as Record<string, string>;
const fixture: OracleFixture = { reference: env, cases: {}, steps: {} };
console.log(`reference: transformers ${env.transformers}, torch ${env.torch}, ${env.device}, float64`);
console.log(
  "| case | tensors | logp rel. err. f64 | grad err. f64 (worst tensor) | logp rel. err. f32 | grad err. f32 |",
);
console.log("|---|---|---|---|---|---|");
let worst64 = 0;
for (const c of ORACLE_CASES) {
  const torch = await readTorch(join(torchDir, c.name));
  const model = await oracleModel(c);
  const rows = oracleRows(c, model.config.vocabSize);
  const coefficients = oracleCoefficients(rows.length);
  const cells: string[] = [];
  for (const dtype of ["float64", "float32"] as const) {
    const ours = await lossGradients(model, rows, coefficients, dtype);
    if (ours.tokens.join() !== torch.result.tokens.join()) throw new Error(`${c.name}: token counts differ`);
    const logpErr = worstRelative(ours.logp, torch.result.logp);
    let gradErr = 0;
    let worstName = "";
    if (ours.grads.size !== torch.grads.size) throw new Error(`${c.name}: tensor sets differ`);
    for (const [name, ref] of torch.grads) {
      const mine = ours.grads.get(name);
      if (mine === undefined) throw new Error(`${c.name}: we have no gradient for ${name}`);
      const e = scaledError(mine, ref);
      if (e >= gradErr) [gradErr, worstName] = [e, name];
    }
    if (dtype === "float64") worst64 = Math.max(worst64, logpErr, gradErr);
    cells.push(logpErr.toExponential(1), `${gradErr.toExponential(1)} (${worstName})`);
  }
  console.log(`| ${c.name} | ${torch.grads.size} | ${cells.join(" | ")} |`);
  fixture.cases[c.name] = {
    logp: torch.result.logp,
    tokens: torch.result.tokens,
    grads: Object.fromEntries(
      [...torch.grads].map(([name, g]) => {
        const indices = sampleIndices(g.length);
        return [name, { indices, values: indices.map((i) => g[i]!), norm: Math.hypot(...g) }];
      }),
    ),
  };
}
console.log(`worst float64 error: ${worst64.toExponential(2)}`);
console.log(
  "\n| training steps | loss rel. err. | grad-norm rel. err. | weight err. / update (worst tensor) |",
);
console.log("|---|---|---|---|");
for (const c of STEP_CASES) {
  const dir = join(torchDir, "steps", c.name);
  const torch = JSON.parse(await readFile(join(dir, "result.json"), "utf8")) as TorchSteps;
  const theirs = await readTensors(join(dir, "weights.f64"), torch.weights);
  const model = await oracleModel(stepModelCase(c));
  const ours = await trainSteps(model, c);
  let worst = 0;
  let worstName = "";
  const weights: OracleFixture["steps"][string]["weights"] = {};
  for (const [name, final] of theirs) {
    const initial = model.weights.get(name)!.data as Float32Array;
    const update = Float64Array.from(final, (v, i) => v - initial[i]!);
    const e = scaledError(
      Float64Array.from(ours.weights.get(name)!, (v, i) => v - initial[i]!),
      update,
    );
    if (e >= worst) [worst, worstName] = [e, name];
    const indices = sampleIndices(final.length);
    weights[name] = { indices, values: indices.map((i) => final[i]!), updateNorm: Math.hypot(...update) };
  }
  console.log(
    `| ${c.name} (${c.loss}, ${c.optimizer}, ${c.steps} steps on ${c.model}) | ` +
      `${worstRelative(ours.losses, torch.losses).toExponential(1)} | ` +
      `${worstRelative(ours.gradNorms, torch.grad_norms).toExponential(1)} | ${worst.toExponential(1)} (${worstName}) |`,
  );
  fixture.steps[c.name] = { losses: torch.losses, gradNorms: torch.grad_norms, weights };
}
if (values.fixture !== undefined) {
  await writeFile(values.fixture, `${JSON.stringify(fixture)}\n`);
  console.log(`wrote ${values.fixture}`);
}
