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

interface TorchResult {
  readonly logp: number[];
  readonly tokens: number[];
  readonly grads: { name: string; shape: number[] }[];
}

async function readTorch(dir: string): Promise<{ result: TorchResult; grads: Map<string, Float64Array> }> {
  const result = JSON.parse(await readFile(join(dir, "result.json"), "utf8")) as TorchResult;
  const bytes = await readFile(join(dir, "grads.f64"));
  const all = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const grads = new Map<string, Float64Array>();
  let offset = 0;
  for (const { name, shape } of result.grads) {
    const n = shape.reduce((a, b) => a * b, 1);
    grads.set(name, all.subarray(offset, offset + n));
    offset += n;
  }
  if (offset !== all.length) throw new Error(`${dir}: grads.f64 holds ${all.length} values, index ${offset}`);
  return { result, grads };
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
const fixture: OracleFixture = { reference: env, cases: {} };
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
    const logpErr = Math.max(...ours.logp.map((v, i) => Math.abs(v / torch.result.logp[i]! - 1)));
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
if (values.fixture !== undefined) {
  await writeFile(values.fixture, `${JSON.stringify(fixture)}\n`);
  console.log(`wrote ${values.fixture}`);
}
