import { parseArgs } from "node:util";
import { TrainConfigError } from "../train-step/train-config-error.js";
import { type ExportTrlOptions, exportTrl } from "./export-trl.js";

/** Usage of `apo export-trl`, shown by `apo --help`. */
export const EXPORT_TRL_USAGE = `  apo export-trl --data pairs.jsonl --out DIR [--eval held-out.jsonl] [--model ID|DIR] [--preset paper]
      [--loss apo_zero] [--beta 0.1] [--lr 1e-6] [--warmup-steps 0] [--epochs 3] [--batch-size 8]
      [--per-device-batch-size N] [--gpus 1] [--max-grad-norm 1] [--max-prompt-length 512]
      [--max-completion-length 512] [--seed 42]
      the dataset in TRL's format, a trl-config.yaml (DPOConfig; KTOConfig for kto, apo_zero_unpaired)
      and a README with the launch command (trl dpo --config trl-config.yaml), for multi-GPU runs`;

const NUMBER_FLAGS = {
  beta: "beta",
  lr: "lr",
  "warmup-steps": "warmupSteps",
  epochs: "epochs",
  "batch-size": "batchSize",
  "per-device-batch-size": "perDeviceBatchSize",
  gpus: "gpus",
  "max-grad-norm": "maxGradNorm",
  "max-prompt-length": "maxPromptLength",
  "max-completion-length": "maxCompletionLength",
  seed: "seed",
} as const satisfies Record<string, keyof ExportTrlOptions>;

const STRING_FLAGS = { data: "data", out: "out", eval: "eval", model: "model", loss: "loss" } as const;

/**
 * Turn `apo export-trl` arguments into {@link ExportTrlOptions}.
 *
 * @throws TrainConfigError naming the flag that is missing or not a number; TypeError on an unknown flag
 * @example
 * ```ts
 * parseExportTrlArgs(["--data", "pairs.jsonl", "--out", "trl", "--loss", "apo_down", "--beta", "0.2"]);
 * ```
 */
export function parseExportTrlArgs(args: readonly string[]): ExportTrlOptions {
  const flags = [...Object.keys(NUMBER_FLAGS), ...Object.keys(STRING_FLAGS), "preset"];
  const { values } = parseArgs({
    args: [...args],
    options: Object.fromEntries(flags.map((f) => [f, { type: "string" as const }])),
    strict: true,
  });
  const get = (flag: string) => values[flag] as string | undefined;
  const data = get("data");
  const out = get("out");
  if (data === undefined) throw new TrainConfigError("--data", null, "a JSONL file of pairs");
  if (out === undefined) throw new TrainConfigError("--out", null, "a folder to write the export to");
  const options: ExportTrlOptions = { data, out };
  for (const flag of ["eval", "model", "loss"] as const) {
    const v = get(flag);
    if (v !== undefined) options[flag] = v;
  }
  const preset = get("preset");
  if (preset !== undefined) {
    if (preset !== "paper") throw new TrainConfigError("--preset", preset, "paper");
    options.preset = preset;
  }
  for (const [flag, key] of Object.entries(NUMBER_FLAGS)) {
    const v = get(flag);
    if (v === undefined) continue;
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n)) throw new TrainConfigError(`--${flag}`, v, "a number");
    options[key] = n;
  }
  return options;
}

/**
 * `apo export-trl …`: writes the export and prints where it went and how to launch it.
 *
 * @example
 * ```ts
 * process.exitCode = await exportTrlCommand(["--data", "pairs.jsonl", "--out", "trl", "--preset", "paper"]);
 * ```
 */
export async function exportTrlCommand(
  args: readonly string[],
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  const options = parseExportTrlArgs(args);
  const result = await exportTrl(options);
  write(
    `wrote ${result.rows.train} training rows${result.rows.test > 0 ? ` and ${result.rows.test} held-out rows` : ""}, ` +
      `${result.configFile} and ${result.readme}`,
  );
  write(`launch: cd ${options.out} && ${result.command}`);
  return 0;
}
