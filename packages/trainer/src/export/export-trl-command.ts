import { LORA_FLAG_OPTIONS, LORA_FLAGS_USAGE, loraFromFlags } from "../lora/lora-flags.js";
import { parseCommandLine, wantsHelp } from "../parse-command-line.js";
import { lossFlags } from "../train/loss-flags.js";
import { TrainConfigError } from "../train-step/train-config-error.js";
import { type ExportTrlOptions, exportTrl } from "./export-trl.js";

/** Usage of `apo export-trl`, shown by `apo --help`. */
export const EXPORT_TRL_USAGE = `  apo export-trl --data pairs.jsonl --out DIR [--force] [--eval held-out.jsonl] [--model ID|DIR]
      [--preset paper] [--loss apo_zero|sigmoid,sft,…] [--loss-weights 1,0.5,…] [--beta 0.1]
      [--loss-param NAME=VALUE]… [--lr 1e-6] [--warmup-steps 0] [--epochs 3] [--batch-size 8] [--per-device-batch-size N] [--gpus 1]
      [--max-grad-norm 1] [--max-length 1024] [--truncation-mode keep_start|keep_end] [--seed 42]
      ${LORA_FLAGS_USAGE}
      the dataset in TRL's format, a trl-config.yaml for TRL 1.13 (DPOConfig; KTOConfig for kto,
      apo_zero_unpaired) and a README with the launch command (trl dpo --config trl-config.yaml), for
      multi-GPU runs; --force writes into a non-empty DIR; --lora* train a LoRA adapter as apo train's
      flags do (TRL's use_peft and lora_* fields)`;

/** `apo export-trl --help`: the usage and examples. */
export const EXPORT_TRL_HELP = `apo export-trl: a run for TRL 1.13 on GPUs (the dataset, trl-config.yaml, a README)

usage:
${EXPORT_TRL_USAGE}

examples:
  apo export-trl --data pairs.jsonl --out trl-run --loss apo_zero --preset paper
  apo export-trl --data pairs.jsonl --eval held-out.jsonl --out trl-run --model meta-llama/Meta-Llama-3-8B-Instruct \\
    --loss apo_down --gpus 8
  apo export-trl --data pairs.jsonl --out trl-lora --model HuggingFaceTB/SmolLM-135M --lora --lora-r 8
  cd trl-run && trl dpo --config trl-config.yaml

Checking a data file over 2 s shows its progress (rows, rate, ETA) on stderr. See docs/trainer.md.
`;

const NUMBER_FLAGS = {
  beta: "beta",
  lr: "lr",
  "warmup-steps": "warmupSteps",
  epochs: "epochs",
  "batch-size": "batchSize",
  "per-device-batch-size": "perDeviceBatchSize",
  gpus: "gpus",
  "max-grad-norm": "maxGradNorm",
  "max-length": "maxLength",
  "max-prompt-length": "maxPromptLength",
  "max-completion-length": "maxCompletionLength",
  seed: "seed",
} as const satisfies Record<string, keyof ExportTrlOptions>;

const STRING_FLAGS = [
  "data",
  "out",
  "eval",
  "model",
  "loss",
  "loss-weights",
  "truncation-mode",
  "preset",
] as const;

function parseNumber(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new TrainConfigError(`--${flag}`, v, "a number");
  return n;
}

/**
 * Turn `apo export-trl` arguments into {@link ExportTrlOptions}.
 *
 * `--loss a,b` is TRL's `loss_type` list, `--loss-weights 1,0.5` its `loss_weights`, and the repeatable
 * `--loss-param NAME=VALUE` sets a loss parameter by our name (`labelSmoothing=0.1`), as `apo train` reads them.
 *
 * @throws TrainConfigError naming the flag that is missing or not a number; CommandLineError on an unknown
 *   flag (suggesting the nearest known one)
 * @example
 * ```ts
 * parseExportTrlArgs(["--data", "pairs.jsonl", "--out", "trl", "--loss", "apo_down", "--beta", "0.2"]);
 * ```
 */
export function parseExportTrlArgs(args: readonly string[]): ExportTrlOptions {
  const flags = [...STRING_FLAGS, ...Object.keys(NUMBER_FLAGS)];
  const values = parseCommandLine("export-trl", args, {
    ...Object.fromEntries(flags.map((f) => [f, { type: "string" as const }])),
    "loss-param": { type: "string", multiple: true },
    force: { type: "boolean" },
    ...LORA_FLAG_OPTIONS,
  });
  const strings = values as Record<string, string | boolean | undefined>;
  const get = (flag: string) => strings[flag] as string | undefined;
  const data = get("data");
  const out = get("out");
  if (data === undefined) throw new TrainConfigError("--data", null, "a JSONL file of pairs");
  if (out === undefined) throw new TrainConfigError("--out", null, "a folder to write the export to");
  const options: ExportTrlOptions = { data, out };
  if (values.force === true) options.force = true;
  for (const flag of ["eval", "model"] as const) {
    const v = get(flag);
    if (v !== undefined) options[flag] = v;
  }
  Object.assign(
    options,
    lossFlags(get("loss"), get("loss-weights"), values["loss-param"] as string[] | undefined),
  );
  const lora = loraFromFlags(values);
  if (lora !== undefined) options.lora = lora;
  const preset = get("preset");
  if (preset !== undefined) {
    if (preset !== "paper") throw new TrainConfigError("--preset", preset, "paper");
    options.preset = preset;
  }
  const mode = get("truncation-mode");
  if (mode !== undefined) {
    if (mode !== "keep_start" && mode !== "keep_end") {
      throw new TrainConfigError("--truncation-mode", mode, "keep_start or keep_end");
    }
    options.truncationMode = mode;
  }
  for (const [flag, key] of Object.entries(NUMBER_FLAGS)) {
    const v = get(flag);
    if (v !== undefined) options[key] = parseNumber(flag, v);
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
  if (wantsHelp(args)) {
    process.stdout.write(EXPORT_TRL_HELP);
    return 0;
  }
  const options = parseExportTrlArgs(args);
  const result = await exportTrl(options);
  for (const warning of result.warnings) write(`warning: ${warning}`);
  write(
    `wrote ${result.rows.train} training rows${result.rows.test > 0 ? ` and ${result.rows.test} held-out rows` : ""}, ` +
      `${result.configFile} and ${result.readme}`,
  );
  write(`launch: cd ${options.out} && ${result.command}`);
  return 0;
}
