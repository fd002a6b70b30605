/**
 * Scale out with TRL: preference pairs in TRL's format exported with the paper's APO-zero settings (β 0.1,
 * RMSProp, lr 2e-7 decaying linearly, effective batch 16, 18 epochs) for an 8-GPU run, then the files a
 * cluster job needs: `data/train.jsonl`, `trl-config.yaml` (TRL 1.13 DPOConfig fields, float32) and a
 * README with the launch command. The export's warnings say what TRL will do differently (here: no separate
 * 512-token prompt and completion cuts, only `max_length`).
 *
 *   pnpm --filter @apo-clair/example-export-trl start [out-dir]
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type ExportTrlResult, exportTrl } from "@apo/trainer";

/** Toy pairs: a correct answer preferred to an evasive one, as chat messages. */
function pairs(count: number): string {
  const rows = Array.from({ length: count }, (_, i) => {
    const a = 3 + (i % 6);
    const b = 2 + ((i * 5) % 7);
    return {
      prompt: [{ role: "user", content: `What is ${a} times ${b}?` }],
      chosen: [{ role: "assistant", content: `${a} times ${b} is ${a * b}.` }],
      rejected: [{ role: "assistant", content: "I am not sure." }],
    };
  });
  return `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
}

/** Writes the pairs to `dir`, exports them for TRL to `dir/trl`, and returns what was written. */
export async function runExample(
  dir: string,
  log: (line: string) => void = console.log,
): Promise<ExportTrlResult> {
  await mkdir(dir, { recursive: true });
  const data = join(dir, "pairs.jsonl");
  await writeFile(data, pairs(32));
  const out = join(dir, "trl");
  const result = await exportTrl({
    data,
    out,
    model: "meta-llama/Meta-Llama-3-8B-Instruct",
    preset: "paper",
    gpus: 8,
    perDeviceBatchSize: 1,
    force: true, // the example writes the same folder on every run
  });
  for (const warning of result.warnings) log(`warning: ${warning}`);
  log(`wrote ${result.rows.train} pairs and ${result.configFile}:`);
  log(await readFile(result.configFile, "utf8"));
  log(`launch on the cluster: cd ${out} && ${result.command}`);
  return result;
}

if (process.argv[1]?.endsWith(join("export-trl", "src", "main.ts"))) {
  await runExample(resolve(process.argv[2] ?? "out"));
}
