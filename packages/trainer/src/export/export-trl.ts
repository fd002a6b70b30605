import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { LossDefinition } from "@apo/losses/define";
import { type LoraOption, resolveLoraOption } from "../lora/lora-options.js";
import { resolveLossDefinition } from "../train/loss-definition.js";
import type { ProgressOptions } from "../train/progress.js";
import { paperPreset } from "../train/train-options.js";
import { checkNumber, TrainConfigError } from "../train-step/train-config-error.js";
import { checkTrlDataset } from "./copy-trl-dataset.js";
import { ExportTrlError } from "./export-trl-error.js";
import { TRL_EXPORT_DEFAULTS, trlConfig } from "./trl-config.js";
import { formatTrlYaml, type TrlConfig } from "./trl-yaml.js";

/** The TRL release whose config keys, loss types and data formats the export matches. */
export const TRL_VERSION = "1.13";

/** Options of {@link exportTrl}: where the data is and goes, and the run's settings in `apo train`'s names. */
export interface ExportTrlOptions {
  /** JSONL in TRL's paired format (unpaired KTO format for `kto`, `apo_zero_unpaired`). */
  data: string;
  /** Folder to write (`data/`, `trl-config.yaml`, `README.md`); it must be new or empty unless `force`. */
  out: string;
  /** Write into a non-empty `out`: replaces `out/data/`, `trl-config.yaml` and `README.md`, keeps the rest. */
  force?: boolean;
  /** Held-out rows in the same format (`data/test.jsonl`, evaluated every epoch). */
  eval?: string;
  /**
   * Hugging Face model id or folder (`model_name_or_path`). A folder that exists here is written relative to
   * `out` (the run starts there); an absolute path or a model id is written as given. Without it the config
   * holds a placeholder.
   */
  model?: string;
  /** Start from the paper's settings (β 0.1, lr 2e-7, batch 16, 18 epochs), then apply the other options. */
  preset?: "paper";
  /**
   * A loss by name (default `apo_zero`) or its `@apo/losses` definition; several DPOTrainer losses are
   * summed, as TRL's `loss_type` list (`["sigmoid", "sft"]` is RPO).
   */
  loss?: string | LossDefinition | readonly (string | LossDefinition)[];
  /** One weight per loss (TRL's `loss_weights`; default 1 each). */
  lossWeights?: readonly number[];
  beta?: number;
  /** Other loss parameters by our names (`labelSmoothing`, `tau`, `desirableWeight`, `undesirableWeight`). */
  lossParams?: Record<string, number>;
  lr?: number;
  warmupSteps?: number;
  epochs?: number;
  /** Effective batch size (pairs per optimizer step over all GPUs). */
  batchSize?: number;
  /**
   * Pairs per GPU per forward pass (default: the largest divisor of batchSize / gpus up to 4; at least 2 for
   * `kto`, which TRL refuses to run with 1).
   */
  perDeviceBatchSize?: number;
  /** GPUs the run is launched on (default 1). */
  gpus?: number;
  maxGradNorm?: number;
  /** Tokens of prompt + completion per sequence (TRL's `max_length`; default 1024, TRL's and apo train's). */
  maxLength?: number;
  /** Which end of a too-long sequence is kept (TRL's `truncation_mode`, DPOTrainer only; default keep_start). */
  truncationMode?: "keep_start" | "keep_end";
  /**
   * The paper's prompt cut of `apo train` (the preset's 512): TRL 1.13 has none, so it is not exported and a
   * warning says so; null or absent: no cut.
   */
  maxPromptLength?: number | null;
  /** The paper's completion cut of `apo train`; see `maxPromptLength`. */
  maxCompletionLength?: number | null;
  seed?: number;
  /**
   * Train a LoRA adapter instead of every weight, as `apo train --lora*` does: `true` for r 16, alpha 32 on
   * all linear layers, or a partial config (TRL's `use_peft` and `lora_*` fields are written).
   */
  lora?: LoraOption;
  /**
   * Where checking a data file over 2 s shows its progress (rows, rate, ETA): default stderr, a live line on
   * a TTY, else a line every 30 s; `{ stream: null }` is silent.
   */
  progress?: Pick<ProgressOptions, "stream" | "live">;
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
  /** What the TRL run will do differently from `apo train` (also listed in the config and the README). */
  readonly warnings: readonly string[];
}

/** The README's LoRA paragraph. */
const PEFT_NOTE = `
The run trains a LoRA adapter (\`use_peft: true\`, PEFT installed: \`pip install peft\`), as apo train --lora
does; the reference model is the base with the adapter disabled. TRL saves the adapter in PEFT's format
(\`adapter_config.json\`, \`adapter_model.safetensors\`) in each checkpoint, which \`apo merge\`,
\`apo logprobs --adapter\`, \`apo generate --adapter\` and \`apo serve --adapter\` read.
`;

/** Placeholder written when no model is given. */
export const TRL_MODEL_PLACEHOLDER = "REPLACE/with-a-model-id-or-folder";

function largestDivisorUpTo(n: number, limit: number): number {
  for (let d = Math.min(n, limit); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

function smallestDivisorFrom(n: number, least: number): number {
  for (let d = least; d < n; d++) if (n % d === 0) return d;
  return n;
}

/**
 * `model_name_or_path` as the run, started in `out`, resolves it: a folder that exists here becomes a path
 * relative to `out` (`./` or `../…`); absolute paths and model ids stay as they are.
 */
function modelForConfig(model: string, out: string): string {
  if (isAbsolute(model)) return model;
  if (existsSync(model)) {
    const path = relative(resolve(out), resolve(model)).split(sep).join("/");
    if (path === "") return ".";
    return path.startsWith("..") ? path : `./${path}`;
  }
  if (/^(\.\.?([\\/]|$)|~)/.test(model)) {
    throw new ExportTrlError(
      "model",
      model,
      "an existing folder, an absolute path, or a Hugging Face model id: a relative path that does not exist here cannot be rewritten for the export folder",
    );
  }
  return model;
}

/** Refuse to write into a folder that has files, unless forced; with force, clear the dataset folder. */
async function prepareOut(out: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(out);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new ExportTrlError("out", out, `a folder to write to (${String(cause)})`);
  }
  if (entries.length === 0) return;
  if (!force) {
    const shown = entries.sort().slice(0, 3).join(", ");
    throw new ExportTrlError(
      "out",
      out,
      `an empty or new folder, but it holds ${shown}${entries.length > 3 ? ", …" : ""}: pass --force (force: true) to write over it`,
    );
  }
  // A stale file under data/ would become part of a split that load_dataset("data") reads.
  await rm(join(out, "data"), { recursive: true, force: true });
}

function readme({
  trainer,
  gpus,
  model,
  keepEnd,
  warnings,
  lora,
}: {
  trainer: "dpo" | "kto";
  gpus: number;
  model: string | undefined;
  keepEnd: boolean;
  warnings: readonly string[];
  lora: boolean;
}): string {
  const override = model === undefined ? " --model_name_or_path YOUR/model" : "";
  const truncation = keepEnd
    ? "keeping the end"
    : `keeping the start${trainer === "dpo" ? " (rows whose prompt alone reaches it are dropped)" : ""}`;
  const notes =
    warnings.length === 0
      ? ""
      : `\n## Differences from the apo-clair run\n\n${warnings.map((w) => `- ${w}\n`).join("")}`;
  return `# TRL export of an apo-clair run

Written by \`apo export-trl\` for TRL ${TRL_VERSION}: the dataset in TRL's ${trainer === "dpo" ? "preference (DPOTrainer)" : "unpaired (KTOTrainer)"}
format under \`data/\` and a matching \`trl-config.yaml\` (${trainer === "dpo" ? "DPOConfig" : "KTOConfig"} field names).
Paths in the config (\`data\`, \`output\`, a local model folder) are relative to this folder: launch from here.

\`\`\`sh
pip install "trl==${TRL_VERSION}.*" accelerate
accelerate config            # once per machine: GPUs, DeepSpeed/FSDP
trl ${trainer} --config trl-config.yaml${override}
\`\`\`

On ${gpus} GPU${gpus === 1 ? "" : "s"} with an explicit launcher:

\`\`\`sh
accelerate launch --num_processes ${gpus} -m trl.scripts.${trainer} --config trl-config.yaml${override}
\`\`\`

\`per_device_train_batch_size × gradient_accumulation_steps × ${gpus}\` is the effective batch of the
apo-clair run; change \`gradient_accumulation_steps\` with the number of GPUs to keep it. Any field can be
overridden on the command line (\`--learning_rate 1e-7\`).

The run trains in float32 like apo-clair: \`bf16: false\` (TRL's default is bf16 autocast) and
\`env: ACCELERATE_MIXED_PRECISION: "no"\`, which overrides a mixed precision chosen in \`accelerate config\`.
For bf16 mixed precision, set \`bf16: true\`.

TRL truncates each prompt + completion to \`max_length\` tokens, ${truncation}. It applies the chat
template only to message rows (string rows are tokenized as they are, with EOS appended).
${lora ? PEFT_NOTE : ""}${notes}`;
}

/**
 * Export a training run for TRL 1.13, for models or data that outgrow one machine: the dataset
 * checked and copied in TRL's format (`data/train.jsonl`, `data/test.jsonl`), a `trl-config.yaml` with
 * DPOConfig (or, for the unpaired losses, KTOConfig) fields mapped from our options (see `trlConfig`) that
 * `trl dpo|kto --config` parses with no unknown key, and a README with the launch commands.
 *
 * @throws ExportTrlError naming the option TRL cannot take, or `out` when it is not empty (without
 *   `force`); TrainDataError naming file, line and field; TrainConfigError for a bad number
 * @example
 * ```ts
 * const { command } = await exportTrl({ data: "pairs.jsonl", out: "trl-run", model: "meta-llama/Meta-Llama-3-8B-Instruct", preset: "paper", gpus: 8 });
 * // command: "trl dpo --config trl-config.yaml"
 * ```
 */
export async function exportTrl(options: ExportTrlOptions): Promise<ExportTrlResult> {
  const o = { ...(options.preset === "paper" ? paperPreset : {}), ...dropUndefined(options) };
  const lossList: readonly (string | LossDefinition)[] = Array.isArray(o.loss)
    ? o.loss
    : [(o.loss as string | LossDefinition | undefined) ?? TRL_EXPORT_DEFAULTS.loss];
  const losses = lossList.map((l) => resolveLossDefinition(l));
  const gpus = o.gpus ?? TRL_EXPORT_DEFAULTS.gpus;
  const batchSize = o.batchSize ?? TRL_EXPORT_DEFAULTS.batchSize;
  const cuts = {
    maxPromptLength: o.maxPromptLength ?? null,
    maxCompletionLength: o.maxCompletionLength ?? null,
  };
  const numbers = {
    lr: o.lr ?? TRL_EXPORT_DEFAULTS.lr,
    warmupSteps: o.warmupSteps ?? TRL_EXPORT_DEFAULTS.warmupSteps,
    epochs: o.epochs ?? TRL_EXPORT_DEFAULTS.epochs,
    maxGradNorm: o.maxGradNorm ?? TRL_EXPORT_DEFAULTS.maxGradNorm,
    maxLength: o.maxLength ?? TRL_EXPORT_DEFAULTS.maxLength,
    seed: o.seed ?? TRL_EXPORT_DEFAULTS.seed,
  };
  checkNumber("lr", numbers.lr, 0, Number.POSITIVE_INFINITY, { loOpen: true });
  checkNumber("epochs", numbers.epochs, 0, Number.POSITIVE_INFINITY, { loOpen: true });
  checkNumber("maxGradNorm", numbers.maxGradNorm, 0, Number.POSITIVE_INFINITY, { loOpen: true });
  const integers = {
    ...numbers,
    gpus,
    batchSize,
    maxPromptLength: cuts.maxPromptLength ?? 1,
    maxCompletionLength: cuts.maxCompletionLength ?? 1,
  };
  for (const field of [
    "warmupSteps",
    "seed",
    "maxLength",
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
  const perGpu = Math.max(1, Math.floor(batchSize / gpus));
  let perDeviceBatchSize =
    o.perDeviceBatchSize ?? largestDivisorUpTo(perGpu, TRL_EXPORT_DEFAULTS.maxPerDeviceBatchSize);
  // TRL's kto needs 2 examples per micro-batch: take the smallest such divisor when none up to 4 divides.
  if (o.perDeviceBatchSize === undefined && perDeviceBatchSize === 1 && losses[0]?.name === "kto") {
    perDeviceBatchSize = smallestDivisorFrom(perGpu, 2);
  }
  const lora = resolveLoraOption(o.lora);
  const { trainer, config, warnings } = trlConfig({
    lora,
    ...numbers,
    model: o.model === undefined ? TRL_MODEL_PLACEHOLDER : modelForConfig(o.model, o.out),
    datasetDir: "data",
    outputDir: "output",
    losses,
    lossWeights: o.lossWeights,
    lossParams,
    batchSize,
    gpus,
    perDeviceBatchSize,
    truncationMode: o.truncationMode ?? "keep_start",
    hasEval: o.eval !== undefined,
  });
  const cut = Object.entries(cuts).filter(([, v]) => v !== null);
  const allWarnings = [
    ...(cut.length === 0
      ? []
      : [
          `${cut.map(([k, v]) => `${k} = ${v}`).join(", ")} (the paper's cut) is not exported: TRL 1.13 ` +
            `only truncates prompt + completion to max_length = ${numbers.maxLength}, keeping the ${o.truncationMode === "keep_end" ? "end" : "start"}`,
        ]),
    ...warnings,
  ];
  const format = trainer === "dpo" ? "paired" : "unpaired";
  const train = await checkTrlDataset(o.data, format, undefined, o.progress);
  const test =
    o.eval === undefined
      ? undefined
      : await checkTrlDataset(o.eval, format, { shape: train.shape, file: o.data }, o.progress);
  await prepareOut(o.out, o.force === true);
  await mkdir(join(o.out, "data"), { recursive: true });
  await writeFile(join(o.out, "data", "train.jsonl"), train.text);
  if (test !== undefined) await writeFile(join(o.out, "data", "test.jsonl"), test.text);
  const configFile = join(o.out, "trl-config.yaml");
  const className = trainer === "dpo" ? "DPOConfig" : "KTOConfig";
  const header = [
    `TRL ${TRL_VERSION} ${className} written by apo export-trl`,
    `launch from this folder: trl ${trainer} --config trl-config.yaml`,
    ...allWarnings.map((w) => `note: ${w}`),
  ].join("\n");
  await writeFile(configFile, formatTrlYaml(config, header));
  const readmeFile = join(o.out, "README.md");
  const keepEnd = o.truncationMode === "keep_end";
  await writeFile(
    readmeFile,
    readme({ trainer, gpus, model: o.model, keepEnd, warnings: allWarnings, lora: lora !== null }),
  );
  return {
    trainer,
    configFile,
    config,
    readme: readmeFile,
    rows: { train: train.rows, test: test?.rows ?? 0 },
    command: `trl ${trainer} --config trl-config.yaml`,
    warnings: allWarnings,
  };
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
