/**
 * Write every checkpoint case (both tiny families, saved as F32, F64, F16 and BF16, single-file and
 * sharded) as a folder under OUT_DIR, and the fixed input ids as OUT_DIR/input.json, for
 * `load_checkpoints.py`. Same bytes on every run and machine:
 *
 * ```text
 * npx tsx --conditions=@apo-clair/source oracle/write-checkpoints.ts OUT_DIR
 * ```
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CHECKPOINT_CASES,
  CHECKPOINT_INPUT_IDS,
  weightFileDigests,
  writeCheckpointCase,
} from "./checkpoint-cases.js";

const out = process.argv[2];
if (out === undefined) throw new Error("usage: write-checkpoints.ts OUT_DIR");
for (const c of CHECKPOINT_CASES) {
  const dir = join(out, c.name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeCheckpointCase(c, dir);
  const files = Object.keys(await weightFileDigests(dir));
  process.stderr.write(`${c.name}: ${files.join(", ")}\n`);
}
await writeFile(join(out, "input.json"), `${JSON.stringify({ input_ids: CHECKPOINT_INPUT_IDS })}\n`);
process.stderr.write(`input ids: ${CHECKPOINT_INPUT_IDS.join(" ")}\n`);
