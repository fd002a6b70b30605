import type { LossDefinition } from "@apo/losses/define";
import { TRAIN_DEFAULTS } from "../train/train-options.js";
import { ExportTrlError } from "./export-trl-error.js";
import type { TrlConfig } from "./trl-yaml.js";

/** `loss_type`s of TRL's DPOTrainer that `@apo/losses` has under the same name. */
export const TRL_DPO_LOSS_TYPES = [
  "sigmoid",
  "hinge",
  "ipo",
  "exo_pair",
  "nca_pair",
  "robust",
  "bco_pair",
  "sppo_hard",
  "aot",
  "aot_pair",
  "discopop",
  "apo_zero",
  "apo_down",
  "sft",
] as const;

/** `loss_type`s of TRL's KTOTrainer (unpaired data). */
export const TRL_KTO_LOSS_TYPES = ["kto", "apo_zero_unpaired"] as const;

/** Our loss parameter names → TRL's config fields. */
const PARAMS: Record<string, string> = {
  beta: "beta",
  labelSmoothing: "label_smoothing",
  tau: "discopop_tau",
  desirableWeight: "desirable_weight",
  undesirableWeight: "undesirable_weight",
};

/** The training settings a TRL config is made from (our names; see `TrainConfig`). */
export interface TrlTrainingSettings {
  readonly model: string;
  /** Folder `datasets.load_dataset` reads (`train.jsonl`, optionally `test.jsonl`). */
  readonly datasetDir: string;
  readonly outputDir: string;
  readonly loss: LossDefinition;
  readonly lossParams: Record<string, number>;
  readonly lr: number;
  readonly warmupSteps: number;
  readonly epochs: number;
  /** Effective batch: perDeviceBatchSize × gradient accumulation × gpus. */
  readonly batchSize: number;
  readonly perDeviceBatchSize: number;
  readonly gpus: number;
  readonly maxGradNorm: number;
  readonly maxPromptLength: number;
  readonly maxCompletionLength: number;
  readonly seed: number;
  readonly hasEval: boolean;
}

/**
 * The TRL trainer (`dpo` for paired losses, `kto` for unpaired ones) and its config with TRL's documented
 * field names (DPOConfig/KTOConfig over transformers' TrainingArguments): `loss_type`, `beta` (and the
 * loss's other parameters), `learning_rate` with `lr_scheduler_type: linear` (decay to 0) and
 * `warmup_steps`, `num_train_epochs`, `per_device_train_batch_size` × `gradient_accumulation_steps` × GPUs
 * = our effective `batchSize`, `max_prompt_length`, `max_completion_length`, `max_length` (their sum),
 * `optim: rmsprop`, `max_grad_norm`, `seed`, a checkpoint per epoch.
 *
 * @throws ExportTrlError naming `loss`, `lossParams.<name>`, `batchSize` or `perDeviceBatchSize`
 * @example
 * ```ts
 * const { trainer, config } = trlConfig({ ...settings, loss: getLoss("apo_zero"), lossParams: { beta: 0.1 } });
 * trainer; // "dpo"
 * config.loss_type; // "apo_zero"
 * ```
 */
export function trlConfig(s: TrlTrainingSettings): { trainer: "dpo" | "kto"; config: TrlConfig } {
  const name = s.loss.name;
  const paired = (TRL_DPO_LOSS_TYPES as readonly string[]).includes(name);
  const unpaired = (TRL_KTO_LOSS_TYPES as readonly string[]).includes(name);
  if (!paired && !unpaired) {
    const known = [...TRL_DPO_LOSS_TYPES, ...TRL_KTO_LOSS_TYPES].join(", ");
    throw new ExportTrlError("loss", name, `a loss_type of TRL's DPOTrainer or KTOTrainer (${known})`);
  }
  const params: TrlConfig = {};
  const defaults = s.loss.defaults as Record<string, number>;
  for (const [key, value] of Object.entries({ ...defaults, ...s.lossParams })) {
    const field = PARAMS[key];
    if (field !== undefined) params[field] = value;
    else if (value !== defaults[key]) {
      throw new ExportTrlError(
        `lossParams.${key}`,
        value,
        `a parameter TRL's config has (${Object.keys(PARAMS).join(", ")})`,
      );
    }
  }
  const perStep = s.perDeviceBatchSize * s.gpus;
  if (!Number.isInteger(s.perDeviceBatchSize) || s.perDeviceBatchSize < 1) {
    throw new ExportTrlError("perDeviceBatchSize", s.perDeviceBatchSize, "an integer ≥ 1");
  }
  if (s.batchSize % perStep !== 0) {
    throw new ExportTrlError(
      "batchSize",
      s.batchSize,
      `a multiple of perDeviceBatchSize × gpus = ${perStep} (the effective batch is split over GPUs and accumulation steps)`,
    );
  }
  const config: TrlConfig = {
    model_name_or_path: s.model,
    dataset_name: s.datasetDir,
    output_dir: s.outputDir,
    loss_type: name,
    ...params,
    learning_rate: s.lr,
    lr_scheduler_type: "linear",
    warmup_steps: s.warmupSteps,
    num_train_epochs: s.epochs,
    per_device_train_batch_size: s.perDeviceBatchSize,
    gradient_accumulation_steps: s.batchSize / perStep,
    max_prompt_length: s.maxPromptLength,
    max_completion_length: s.maxCompletionLength,
    max_length: s.maxPromptLength + s.maxCompletionLength,
    optim: "rmsprop",
    max_grad_norm: s.maxGradNorm,
    seed: s.seed,
    save_strategy: "epoch",
    logging_steps: 10,
    report_to: "none",
    ...(s.hasEval ? { eval_strategy: "epoch", per_device_eval_batch_size: s.perDeviceBatchSize } : {}),
  };
  return { trainer: paired ? "dpo" : "kto", config };
}

/**
 * Defaults of `apo export-trl` where an option is not given: those of `apo train` ({@link TRAIN_DEFAULTS}),
 * one GPU, and at most 4 pairs per device per forward pass.
 *
 * @example
 * ```ts
 * TRL_EXPORT_DEFAULTS.lr; // 1e-6
 * ```
 */
export const TRL_EXPORT_DEFAULTS = {
  loss: TRAIN_DEFAULTS.loss,
  lr: TRAIN_DEFAULTS.lr,
  warmupSteps: TRAIN_DEFAULTS.warmupSteps,
  epochs: TRAIN_DEFAULTS.epochs,
  batchSize: TRAIN_DEFAULTS.batchSize,
  gpus: 1,
  maxPerDeviceBatchSize: 4,
  maxGradNorm: TRAIN_DEFAULTS.maxGradNorm,
  maxPromptLength: TRAIN_DEFAULTS.maxPromptLength,
  maxCompletionLength: TRAIN_DEFAULTS.maxCompletionLength,
  seed: TRAIN_DEFAULTS.seed,
} as const;
