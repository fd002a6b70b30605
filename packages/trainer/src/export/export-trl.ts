import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LossDefinition } from "@apo/losses/define";
import { resolveLossDefinition } from "../train/loss-definition.js";
import { paperPreset } from "../train/train-options.js";
import { checkNumber, TrainConfigError } from "../train-step/train-config-error.js";
import { copyTrlDataset } from "./copy-trl-dataset.js";
import { TRL_EXPORT_DEFAULTS, trlConfig } from "./trl-config.js";
import { formatTrlYaml, type TrlConfig } from "./trl-yaml.js";

/** Options of {@link exportTrl}: where the data is and goes, and the run's settings in `apo train`'s names. */
export interface ExportTrlOptions {
  /** JSONL in TRL's paired format (unpaired KTO format for `kto`, `apo_zero_unpaired`). */
  data: string;
  /** Folder to write (`data/`, `trl-config.yaml`, `README.md`). */
  out: string;
  /** Held-out rows in the same format (`data/test.jsonl`, evaluated every epoch). */
  eval?: string;
  /** Hugging Face model id or folder (`model_name_or_path`); without it the config holds a placeholder. */
  model?: string;
  /** Start from the paper's settings (β 0.1, lr 2e-7, batch 16, 18 epochs), then apply the other options. */
  preset?: "paper";
  /** A loss by TRL name (default `apo_zero`) or its `@apo/losses` definition. */
  loss?: string | LossDefinition;
  beta?: number;
  /** Other loss parameters by our names (`labelSmoothing`, `tau`, `desirableWeight`, `undesirableWeight`). */
  lossParams?: Record<string, number>;
  lr?: number;
  warmupSteps?: number;
  epochs?: number;
  /** Effective batch size (pairs per optimizer step over all GPUs). */
  batchSize?: number;
  /** Pairs per GPU per forward pass (default: the largest divisor of batchSize / gpus up to 4). */
  perDeviceBatchSize?: number;
  /** GPUs the run is launched on (default 1). */
  gpus?: number;
  maxGradNorm?: number;
  maxPromptLength?: number;
  maxCompletionLength?: number;
  seed?: number;
}

/** What {@link exportTrl} wrote. */
export interface ExportTrlResult {
  /** `dpo` (DPOTrainer) or `kto` (KTOTrainer). */
  readonly trainer: "dpo" | "kto";
  readonly configFile: string;
  readonly config: TrlConfig;
  readonly readme: string;
  /** Rows written to `data/train.jsonl` and `data/test.jsonl` (0 without `eval`). */
  readonly rows: { train: number; test: number };
  /** The command that launches the run from the `out` folder. */
  readonly command: string;
}

/** Placeholder written when no model is given. */
export const TRL_MODEL_PLACEHOLDER = "REPLACE/with-a-model-id-or-folder";

function largestDivisorUpTo(n: number, limit: number): number {
  for (let d = Math.min(n, limit); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

function readme(trainer: "dpo" | "kto", gpus: number, model: string | undefined): string {
  const override = model === undefined ? " --model_name_or_path YOUR/model" : "";
  return `# TRL export of an apo-clair run

Written by \`apo export-trl\`: the dataset in TRL's ${trainer === "dpo" ? "preference (DPOTrainer)" : "unpaired (KTOTrainer)"}
format under \`data/\` and a matching \`trl-config.yaml\` (${trainer === "dpo" ? "DPOConfig" : "KTOConfig"} field names).
Paths in the config are relative to this folder: launch from here.

\`\`\`sh
pip install trl accelerate
accelerate config            # once per machine: GPUs, mixed precision, DeepSpeed/FSDP
trl ${trainer} --config trl-config.yaml${override}
\`\`\`

On ${gpus} GPU${gpus === 1 ? "" : "s"} with an explicit launcher (TRL's scripts, TRL ≥ 0.14):

\`\`\`sh
accelerate launch --num_processes ${gpus} -m trl.scripts.${trainer} --config trl-config.yaml${override}
\`\`\`

\`per_device_train_batch_size × gradient_accumulation_steps × ${gpus}\` is the effective batch of the
apo-clair run; change \`gradient_accumulation_steps\` with the number of GPUs to keep it. Any field can be
overridden on the command line (\`--learning_rate 1e-7\`).
`;
}

/**
 * Export a training run for TRL, for models or data that outgrow one machine: the dataset checked and
 * copied in TRL's format (`data/train.jsonl`, `data/test.jsonl`), a `trl-config.yaml` with DPOConfig (or,
 * for the unpaired losses, KTOConfig) fields mapped from our options (see `trlConfig`), and a README with
 * the launch commands (`trl dpo --config trl-config.yaml`, `accelerate launch`).
 *
 * @throws ExportTrlError naming the option TRL cannot take; TrainDataError naming file and line;
 * TrainConfigError for a bad number
 * @example
 * ```ts
 * const { command } = await exportTrl({ data: "pairs.jsonl", out: "trl-run", model: "meta-llama/Meta-Llama-3-8B-Instruct", preset: "paper", gpus: 8 });
 * // command: "trl dpo --config trl-config.yaml"
 * ```
 */
export async function exportTrl(options: ExportTrlOptions): Promise<ExportTrlResult> {
  const o = { ...(options.preset === "paper" ? paperPreset : {}), ...dropUndefined(options) };
  const loss = resolveLossDefinition(o.loss ?? TRL_EXPORT_DEFAULTS.loss);
  const gpus = o.gpus ?? TRL_EXPORT_DEFAULTS.gpus;
  const batchSize = o.batchSize ?? TRL_EXPORT_DEFAULTS.batchSize;
  const numbers = {
    lr: o.lr ?? TRL_EXPORT_DEFAULTS.lr,
    warmupSteps: o.warmupSteps ?? TRL_EXPORT_DEFAULTS.warmupSteps,
    epochs: o.epochs ?? TRL_EXPORT_DEFAULTS.epochs,
    maxGradNorm: o.maxGradNorm ?? TRL_EXPORT_DEFAULTS.maxGradNorm,
    maxPromptLength: o.maxPromptLength ?? TRL_EXPORT_DEFAULTS.maxPromptLength,
    maxCompletionLength: o.maxCompletionLength ?? TRL_EXPORT_DEFAULTS.maxCompletionLength,
    seed: o.seed ?? TRL_EXPORT_DEFAULTS.seed,
  };
  checkNumber("lr", numbers.lr, 0, Number.POSITIVE_INFINITY, { loOpen: true });
  checkNumber("epochs", numbers.epochs, 0, Number.POSITIVE_INFINITY, { loOpen: true });
  checkNumber("maxGradNorm", numbers.maxGradNorm, 0, Number.POSITIVE_INFINITY, { loOpen: true });
  const integers = { ...numbers, gpus, batchSize };
  for (const field of [
    "warmupSteps",
    "seed",
    "maxPromptLength",
    "maxCompletionLength",
    "gpus",
    "batchSize",
  ] as const) {
    const least = field === "warmupSteps" || field === "seed" ? 0 : 1;
    if (!Number.isInteger(integers[field]) || integers[field] < least) {
      throw new TrainConfigError(field, integers[field], `an integer ≥ ${least}`);
    }
  }
  const lossParams = { ...o.lossParams, ...(o.beta === undefined ? {} : { beta: o.beta }) };
  const { trainer, config } = trlConfig({
    ...numbers,
    model: o.model ?? TRL_MODEL_PLACEHOLDER,
    datasetDir: "data",
    outputDir: "output",
    loss,
    lossParams,
    batchSize,
    gpus,
    perDeviceBatchSize:
      o.perDeviceBatchSize ??
      largestDivisorUpTo(
        Math.max(1, Math.floor(batchSize / gpus)),
        TRL_EXPORT_DEFAULTS.maxPerDeviceBatchSize,
      ),
    hasEval: o.eval !== undefined,
  });
  const format = trainer === "dpo" ? "paired" : "unpaired";
  await mkdir(join(o.out, "data"), { recursive: true });
  const rows = {
    train: await copyTrlDataset(o.data, join(o.out, "data", "train.jsonl"), format),
    test: o.eval === undefined ? 0 : await copyTrlDataset(o.eval, join(o.out, "data", "test.jsonl"), format),
  };
  const configFile = join(o.out, "trl-config.yaml");
  await writeFile(
    configFile,
    formatTrlYaml(
      config,
      `TRL ${trainer === "dpo" ? "DPOConfig" : "KTOConfig"} written by apo export-trl\nlaunch: trl ${trainer} --config trl-config.yaml`,
    ),
  );
  const readmeFile = join(o.out, "README.md");
  await writeFile(readmeFile, readme(trainer, gpus, o.model));
  return {
    trainer,
    configFile,
    config,
    readme: readmeFile,
    rows,
    command: `trl ${trainer} --config trl-config.yaml`,
  };
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
