/**
 * Write every oracle case as a checkpoint folder plus `rows.json`, for `transformers_oracle.py`:
 *
 * ```text
 * npx tsx --conditions=@apo-clair/source oracle/make-cases.ts OUT_DIR
 * ```
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ORACLE_CASES, oracleCoefficients, oracleModel, oracleRows } from "./cases.js";

const out = process.argv[2];
if (out === undefined) throw new Error("usage: make-cases.ts OUT_DIR");
for (const c of ORACLE_CASES) {
  const dir = join(out, c.name);
  await mkdir(dir, { recursive: true });
  const model = await oracleModel(c);
  if ("tiny" in c.model) await oracleModel({ ...c, model: { tiny: { ...c.model.tiny, out: dir } } });
  else
    for (const file of ["config.json", "model.safetensors"])
      await copyFile(join(c.model.dir, file), join(dir, file));
  const rows = oracleRows(c, model.config.vocabSize);
  const json = {
    rows: rows.map((r) => ({ prompt_ids: r.promptIds, completion_ids: r.completionIds })),
    coefficients: oracleCoefficients(rows.length),
  };
  await writeFile(join(dir, "rows.json"), `${JSON.stringify(json)}\n`);
  process.stderr.write(`${c.name}: ${model.weights.size} tensors, ${rows.length} rows\n`);
}
