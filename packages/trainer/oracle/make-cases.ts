/**
 * Write every oracle case as a checkpoint folder plus `rows.json`, and every training-step case as a
 * checkpoint folder plus `train.json` (under `steps/`), for `transformers_oracle.py`:
 *
 * ```text
 * npx tsx --conditions=@apo-clair/source oracle/make-cases.ts OUT_DIR
 * ```
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTinyModel } from "../src/models/create-tiny-model.js";
import { loadPretrainedModel, type PretrainedModel } from "../src/models/pretrained-model.js";
import { ORACLE_CASES, type OracleCase, oracleCoefficients, oracleRows } from "./cases.js";
import { STEP_CASES, stepModelCase, stepRows } from "./step-cases.js";

/** The case's model written to `dir` as a checkpoint folder (tiny: created there; else copied). */
async function writeModelFolder(c: OracleCase, dir: string): Promise<PretrainedModel> {
  await mkdir(dir, { recursive: true });
  if ("tiny" in c.model) return createTinyModel({ ...c.model.tiny, out: dir });
  for (const file of ["config.json", "model.safetensors"])
    await copyFile(join(c.model.dir, file), join(dir, file));
  return loadPretrainedModel(c.model.dir);
}

const out = process.argv[2];
if (out === undefined) throw new Error("usage: make-cases.ts OUT_DIR");
for (const c of ORACLE_CASES) {
  const dir = join(out, c.name);
  const model = await writeModelFolder(c, dir);
  const rows = oracleRows(c, model.config.vocabSize);
  const json = {
    rows: rows.map((r) => ({ prompt_ids: r.promptIds, completion_ids: r.completionIds })),
    coefficients: oracleCoefficients(rows.length),
  };
  await writeFile(join(dir, "rows.json"), `${JSON.stringify(json)}\n`);
  process.stderr.write(`${c.name}: ${model.weights.size} tensors, ${rows.length} rows\n`);
}
for (const c of STEP_CASES) {
  const dir = join(out, "steps", c.name);
  const model = await writeModelFolder(stepModelCase(c), dir);
  const { chosen, rejected } = stepRows(c, model.config.vocabSize);
  const json = {
    pairs: chosen.map((r, i) => ({
      prompt_ids: r.promptIds,
      chosen_ids: r.completionIds,
      rejected_ids: rejected[i]!.completionIds,
    })),
    loss: c.loss,
    beta: c.beta,
    optimizer: c.optimizer,
    optimizer_config: c.optimizerConfig,
    max_grad_norm: c.maxGradNorm,
    lr: c.lr,
    steps: c.steps,
  };
  await writeFile(join(dir, "train.json"), `${JSON.stringify(json)}\n`);
  process.stderr.write(`steps/${c.name}: ${c.loss} + ${c.optimizer} on ${c.model}, ${c.steps} steps\n`);
}
