/**
 * Write the inputs of the TRL oracle (`trl-oracle-cases.ts`) under OUT_DIR: `models/<model>/` (tiny
 * seeded checkpoints), `data/<name>.jsonl` and `cases.json`, for `trl_oracle.py`. Same bytes on every run
 * and machine:
 *
 * ```text
 * npx tsx --conditions=@apo-clair/source oracle/write-trl-cases.ts OUT_DIR
 * ```
 */
import { rm } from "node:fs/promises";
import { TRL_ORACLE_CASES, writeTrlOracleInputs } from "./trl-oracle-cases.js";

const out = process.argv[2];
if (out === undefined) throw new Error("usage: write-trl-cases.ts OUT_DIR");
await rm(out, { recursive: true, force: true });
await writeTrlOracleInputs(out);
process.stderr.write(`${TRL_ORACLE_CASES.length} cases written to ${out}\n`);
