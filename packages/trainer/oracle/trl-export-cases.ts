/**
 * Exports that TRL's own parser checks: `trl-export-fixtures.ts` writes each case's `trl-config.yaml` and
 * `data/` under `test/fixtures/trl-export/<name>/`, `trl_config_keys.py` parses (and briefly trains) them
 * with TRL 1.13, and `src/export/trl-fixtures.test.ts` checks that the exporter still writes exactly these
 * files. Together they cover every loss-parameter field, both trainers, string, message and implicit-prompt
 * rows, held-out data, several losses with weights, and both truncation modes.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ExportTrlOptions, type ExportTrlResult, exportTrl } from "../src/export/export-trl.js";

/** One export: its input rows and the options besides `data`, `out` and `eval`. */
export interface TrlExportCase {
  readonly name: string;
  readonly rows: readonly unknown[];
  readonly evalRows?: readonly unknown[];
  readonly options: Omit<ExportTrlOptions, "data" | "out" | "eval">;
}

const user = (content: string) => ({ role: "user", content });
const assistant = (content: string) => ({ role: "assistant", content });

function range<T>(n: number, row: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => row(i));
}

/** Message rows with an explicit prompt. */
const chatPairs = range(8, (i) => ({
  prompt: [user(`w${i} w${i + 1} hello`)],
  chosen: [assistant(`good w${i + 2}`)],
  rejected: [assistant(`bad w${i + 3}`)],
}));

/** String rows: TRL tokenizes them as they are and appends EOS (no chat template). */
const stringPairs = range(8, (i) => ({
  id: `pair-${i}`,
  prompt: `w${i} w${i + 1}`,
  chosen: ` good w${i + 2}`,
  rejected: ` bad w${i + 3}`,
}));

/** Implicit-prompt rows: whole conversations; TRL takes their shared start as the prompt. */
const implicitPairs = range(8, (i) => ({
  chosen: [user(`w${i} hello`), assistant(`good w${i + 1}`)],
  rejected: [user(`w${i} hello`), assistant(`bad w${i + 2}`)],
}));

const stringExamples = range(8, (i) => ({
  prompt: `w${i} world`,
  completion: ` ${i % 2 === 0 ? "good" : "bad"} w${i + 1}`,
  label: i % 2 === 0,
}));

const chatExamples = range(8, (i) => ({
  prompt: [user(`w${i} world`)],
  completion: [assistant(`${i % 3 === 0 ? "bad" : "good"} w${i + 4}`)],
  label: i % 3 !== 0,
}));

/** The cases, by fixture folder name. */
export const TRL_EXPORT_CASES: readonly TrlExportCase[] = [
  {
    name: "dpo-apo-zero-paper-8-gpus",
    rows: chatPairs,
    evalRows: chatPairs.slice(0, 2),
    options: {
      model: "meta-llama/Meta-Llama-3-8B-Instruct",
      preset: "paper",
      gpus: 8,
      perDeviceBatchSize: 1,
    },
  },
  {
    name: "dpo-sigmoid-sft-weights",
    rows: stringPairs,
    options: { model: "org/model", loss: ["sigmoid", "sft"], lossWeights: [1, 0.5], beta: 0.2 },
  },
  {
    name: "dpo-robust-keep-end",
    rows: stringPairs,
    options: {
      model: "org/model",
      loss: "robust",
      lossParams: { labelSmoothing: 0.1 },
      maxLength: 256,
      truncationMode: "keep_end",
      lr: 5e-7,
      warmupSteps: 2,
    },
  },
  {
    name: "dpo-aot-pair-implicit-prompt",
    rows: implicitPairs,
    options: { model: "org/model", loss: "aot_pair", batchSize: 4 },
  },
  {
    name: "dpo-discopop-exo-pair",
    rows: chatPairs,
    options: {
      model: "org/model",
      loss: ["discopop", "exo_pair"],
      lossParams: { tau: 0.1, labelSmoothing: 0.01 },
    },
  },
  {
    // One target: TRL turns a one-element lora_target_modules into a regex string, so it is exported as one.
    name: "dpo-apo-zero-lora-q-proj",
    rows: chatPairs,
    options: { model: "org/model", loss: "apo_zero", lora: { r: 4, alpha: 8, targets: ["q_proj"] } },
  },
  {
    name: "dpo-sigmoid-lora-all-linear-rslora",
    rows: stringPairs,
    options: { model: "org/model", loss: "sigmoid", lora: { r: 8, targets: ["all-linear"], rsLora: true } },
  },
  {
    name: "kto",
    rows: stringExamples,
    options: { model: "org/model", loss: "kto", lossParams: { undesirableWeight: 1.5 } },
  },
  {
    name: "kto-apo-zero-unpaired",
    rows: chatExamples,
    evalRows: chatExamples.slice(0, 4),
    options: { model: "org/model", loss: "apo_zero_unpaired", batchSize: 4, epochs: 2 },
  },
];

const jsonl = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");

/**
 * Run one case: write its input rows under `dir`, export them to `dir/export`, and return the result.
 *
 * @example
 * ```ts
 * const { configFile } = await runTrlExportCase(TRL_EXPORT_CASES[0]!, "/tmp/case");
 * ```
 */
export async function runTrlExportCase(c: TrlExportCase, dir: string): Promise<ExportTrlResult> {
  await mkdir(dir, { recursive: true });
  const data = join(dir, "input.jsonl");
  await writeFile(data, jsonl(c.rows));
  const evalFile = join(dir, "held-out.jsonl");
  if (c.evalRows !== undefined) await writeFile(evalFile, jsonl(c.evalRows));
  return exportTrl({
    ...c.options,
    data,
    out: join(dir, "export"),
    ...(c.evalRows === undefined ? {} : { eval: evalFile }),
  });
}

/** The files of an export that the fixtures keep (relative to the export folder). */
export function trlExportFiles(c: TrlExportCase): string[] {
  return ["trl-config.yaml", "data/train.jsonl", ...(c.evalRows === undefined ? [] : ["data/test.jsonl"])];
}
