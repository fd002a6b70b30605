/**
 * Write every PEFT oracle case for `peft_oracle.py`: per case a base checkpoint (`base/`), our adapter
 * (`ours/`, saved by saveLoraAdapter in float64), and `case.json` (rows, coefficients, PEFT's own adapter
 * config):
 *
 * ```text
 * npx tsx --conditions=@apo-clair/source oracle/write-peft-cases.ts OUT_DIR
 * ```
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { saveLoraAdapter } from "../src/lora/peft-adapter.js";
import { createTinyModel } from "../src/models/create-tiny-model.js";
import { PEFT_CASES, peftCaseAdapter, peftCaseRows, peftCoefficients } from "./peft-cases.js";

const out = process.argv[2];
if (out === undefined) throw new Error("usage: write-peft-cases.ts OUT_DIR");
for (const c of PEFT_CASES) {
  const dir = join(out, c.name);
  await mkdir(dir, { recursive: true });
  const model = await createTinyModel({ ...c.tiny, out: join(dir, "base") });
  const { seed: _seed, ...config } = c.ours;
  await saveLoraAdapter(join(dir, "ours"), { config, weights: peftCaseAdapter(c, model), model });
  const rows = peftCaseRows(c, model.config.vocabSize);
  const json = {
    rows: rows.map((r) => ({ prompt_ids: r.promptIds, completion_ids: r.completionIds })),
    coefficients: peftCoefficients(rows.length),
    peft: {
      r: c.peft.r,
      lora_alpha: c.peft.alpha,
      target_modules: c.peft.targets,
      use_rslora: c.peft.rsLora === true,
      seed: c.peft.seed,
    },
  };
  await writeFile(join(dir, "case.json"), `${JSON.stringify(json)}\n`);
  process.stderr.write(`${c.name}: ${rows.length} rows\n`);
}
