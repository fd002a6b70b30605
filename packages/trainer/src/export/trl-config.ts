import type { LossDefinition } from "@apo/losses/define";
import type { LoraConfig } from "../lora/lora-config.js";
import { TRAIN_DEFAULTS } from "../train/train-options.js";
import { ExportTrlError } from "./export-trl-error.js";
import { trlPeftFields } from "./trl-peft-fields.js";
import type { TrlConfig } from "./trl-yaml.js";

/**
 * The `loss_type`s of TRL 1.13's DPOTrainer (the list its "Unknown loss type" error gives, recorded in
 * `test/fixtures/trl-1.13-config-keys.json`); all are losses of `@apo/losses`, `aot_unpaired` under our name
 * `aot_pair`.
 */
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
  "aot_unpaired",
  "apo_zero",
  "apo_down",
  "discopop",
  "sft",
  "sigmoid_norm",
] as const;

/** The `loss_type`s of TRL 1.13's KTOTrainer (unpaired data); `KTOConfig.loss_type` takes one. */
export const TRL_KTO_LOSS_TYPES = ["kto", "apo_zero_unpaired"] as const;

/** Our loss names that TRL spells differently. */
const TRL_NAMES: Readonly<Record<string, string>> = { aot_pair: "aot_unpaired" };

/** The TRL `loss_type` of one of our losses (`aot_pair` → `aot_unpaired`; other names are TRL's). */
export function trlLossType(name: string): string {
  return TRL_NAMES[name] ?? name;
}

/** The DPO loss types that read `label_smoothing` in TRL 1.13 (`sigmoid` no longer does: no cDPO). */
const USES_LABEL_SMOOTHING: ReadonlySet<string> = new Set(["robust", "exo_pair", "aot", "aot_unpaired"]);

/** Our loss parameters TRL 1.13 has no field for, though a loss of TRL's has the loss: why, for the warning. */
const NOT_IN_TRL: Readonly<Record<string, string>> = {
  cdpoLabelSmoothing: "TRL 1.13's sigmoid ignores label_smoothing (no cDPO)",
};

/** Our loss parameter names → TRL's config fields. */
const PARAMS: Readonly<Record<string, string>> = {
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
  /** One loss, or several summed with `lossWeights` (TRL's `loss_type` list; DPOTrainer only). */
  readonly losses: readonly LossDefinition[];
  /** One weight per loss (TRL's `loss_weights`); default 1 each. */
  readonly lossWeights?: readonly number[] | undefined;
  /** Parameters by our names, shared by every loss (TRL has one `beta`, one `label_smoothing`, …). */
  readonly lossParams: Record<string, number>;
  readonly lr: number;
  readonly warmupSteps: number;
  readonly epochs: number;
  /** Effective batch: perDeviceBatchSize × gradient accumulation × gpus. */
  readonly batchSize: number;
  readonly perDeviceBatchSize: number;
  readonly gpus: number;
  readonly maxGradNorm: number;
  /** Tokens of prompt + completion per sequence (TRL's `max_length`, truncation keeps the start). */
  readonly maxLength: number;
  /** TRL's `truncation_mode` (DPOConfig only; KTOTrainer always keeps the start). */
  readonly truncationMode: "keep_start" | "keep_end";
  readonly seed: number;
  readonly hasEval: boolean;
  /** The LoRA adapter to train instead of every weight (TRL's `use_peft` and `lora_*` fields); null: full. */
  readonly lora?: LoraConfig | null | undefined;
}

/** What {@link trlConfig} returns. */
export interface TrlConfigResult {
  readonly trainer: "dpo" | "kto";
  readonly config: TrlConfig;
  /** Settings the TRL run cannot reproduce (a value TRL ignores, a different batch order). */
  readonly warnings: readonly string[];
}

function trainerOf(losses: readonly LossDefinition[]): "dpo" | "kto" {
  const types = losses.map((l) => trlLossType(l.name));
  const known = [...TRL_DPO_LOSS_TYPES, ...TRL_KTO_LOSS_TYPES].join(", ");
  for (const [i, type] of types.entries()) {
    const dpo = (TRL_DPO_LOSS_TYPES as readonly string[]).includes(type);
    if (!dpo && !(TRL_KTO_LOSS_TYPES as readonly string[]).includes(type)) {
      throw new ExportTrlError(
        "loss",
        losses[i]?.name,
        `a loss_type of TRL's DPOTrainer or KTOTrainer (${known}; aot_pair is exported as aot_unpaired)`,
      );
    }
    if (!dpo && losses.length > 1) {
      throw new ExportTrlError(
        "loss",
        losses.map((l) => l.name),
        "one loss for KTOTrainer (its loss_type is a single name), or several DPOTrainer losses",
      );
    }
  }
  if (types.length === 0) throw new ExportTrlError("loss", [], "at least one loss");
  return (TRL_KTO_LOSS_TYPES as readonly string[]).includes(types[0] ?? "") ? "kto" : "dpo";
}

/**
 * The TRL fields of the losses' parameters: each parameter a selected loss reads in TRL, one value per field
 * (TRL shares `beta`, `label_smoothing`, … between the terms of a `loss_type` list).
 */
function lossFields(s: TrlTrainingSettings, warnings: string[]): TrlConfig {
  const names = s.losses.map((l) => l.name);
  const ours = new Set(s.losses.flatMap((l) => Object.keys(l.defaults)));
  for (const key of Object.keys(s.lossParams)) {
    if (!ours.has(key)) {
      throw new ExportTrlError(
        `lossParams.${key}`,
        s.lossParams[key],
        `a parameter of ${names.join(" + ")} (${[...ours].join(", ")})`,
      );
    }
  }
  const fields: Record<string, { value: number; from: string }> = {};
  for (const loss of s.losses) {
    const type = trlLossType(loss.name);
    const defaults = loss.defaults as Record<string, number>;
    for (const [key, fallback] of Object.entries(defaults)) {
      const value = s.lossParams[key] ?? fallback;
      const field = PARAMS[key];
      // A parameter TRL's loss ignores: not written, and a warning when it was asked for.
      const ignored =
        NOT_IN_TRL[key] ??
        (field === "label_smoothing" && !USES_LABEL_SMOOTHING.has(type)
          ? `TRL 1.13's ${type} ignores label_smoothing (no cDPO)`
          : undefined);
      if (ignored !== undefined) {
        if (value !== fallback) {
          warnings.push(
            `${key} = ${value} is not exported: ${ignored}, so the TRL run trains without it; robust is ` +
              "the smoothed loss TRL has",
          );
        }
        continue;
      }
      if (field === undefined) {
        if (value !== fallback) {
          throw new ExportTrlError(
            `lossParams.${key}`,
            value,
            `its default ${fallback}: TRL's ${type} has no such parameter (${Object.keys(PARAMS).join(", ")} are exported)`,
          );
        }
        continue;
      }
      const seen = fields[field];
      if (seen !== undefined && seen.value !== value) {
        throw new ExportTrlError(
          `lossParams.${key}`,
          [seen.value, value],
          `one value: TRL has one ${field} for every loss_type (${seen.from}: ${seen.value}, ${loss.name}: ${value}); set lossParams.${key}`,
        );
      }
      fields[field] = { value, from: loss.name };
    }
  }
  return Object.fromEntries(Object.entries(fields).map(([field, { value }]) => [field, value]));
}

function lossTypeFields(s: TrlTrainingSettings, trainer: "dpo" | "kto"): TrlConfig {
  const types = s.losses.map((l) => trlLossType(l.name));
  const weights = s.lossWeights;
  if (weights !== undefined && trainer === "kto") {
    throw new ExportTrlError("lossWeights", weights, "none for KTOTrainer (KTOConfig has no loss_weights)");
  }
  if (weights !== undefined) {
    if (weights.length !== types.length || !weights.every(Number.isFinite)) {
      throw new ExportTrlError(
        "lossWeights",
        weights,
        `${types.length} finite number${types.length === 1 ? "" : "s"}, one per loss`,
      );
    }
  }
  if (types.length === 1 && weights === undefined) return { loss_type: types[0] ?? "" };
  return { loss_type: types, loss_weights: weights ?? types.map(() => 1) };
}

function checkBatch(s: TrlTrainingSettings, trainer: "dpo" | "kto", type: string): void {
  if (!Number.isInteger(s.perDeviceBatchSize) || s.perDeviceBatchSize < 1) {
    throw new ExportTrlError("perDeviceBatchSize", s.perDeviceBatchSize, "an integer ≥ 1");
  }
  if (trainer === "kto" && type === "kto" && s.perDeviceBatchSize < 2) {
    throw new ExportTrlError(
      "perDeviceBatchSize",
      s.perDeviceBatchSize,
      "≥ 2 for kto: TRL's KTOTrainer refuses 1 (its KL estimate takes the other completions of the micro-batch)",
    );
  }
  const perStep = s.perDeviceBatchSize * s.gpus;
  if (s.batchSize % perStep !== 0) {
    throw new ExportTrlError(
      "batchSize",
      s.batchSize,
      `a multiple of perDeviceBatchSize × gpus = ${perStep} (the effective batch is split over GPUs and accumulation steps)`,
    );
  }
}

/**
 * The TRL 1.13 trainer (`dpo` for paired losses, `kto` for unpaired ones) and a config that `trl dpo|kto
 * --config` parses with no unknown or ignored key (DPOConfig/KTOConfig, TrainingArguments, ScriptArguments
 * and ModelConfig fields, checked against TRL's own parser by `oracle/trl_config_keys.py`):
 *
 * - `loss_type` in TRL's spelling (a list with `loss_weights` for several losses), `beta` and the other
 *   parameters only where the loss reads them (`label_smoothing` for robust, exo_pair, aot, aot_unpaired;
 *   not for `sigmoid`, which ignores it in TRL 1.13: a warning says so);
 * - `learning_rate` with `lr_scheduler_type: linear` (decay to 0) and `warmup_steps`, `num_train_epochs`,
 *   `per_device_train_batch_size` × `gradient_accumulation_steps` × GPUs = our effective `batchSize`,
 *   `optim: rmsprop`, `max_grad_norm`, `seed`, a checkpoint per epoch;
 * - `max_length` (prompt + completion per sequence) and `truncation_mode` (DPOConfig only);
 * - float32 like `apo train`: `bf16: false` (TRL defaults to bf16 autocast), `tf32: false`,
 *   `dtype: float32`, and `env: { ACCELERATE_MIXED_PRECISION: "no" }` so that a mixed precision chosen in
 *   `accelerate config` does not turn it back on;
 * - KTO: `train_sampling_strategy` sequential for `kto` (TRL requires it: a warning says the order differs
 *   from ours), random for `apo_zero_unpaired`;
 * - LoRA (`lora`): `use_peft`, `lora_r`, `lora_alpha`, `lora_dropout: 0`, `lora_target_modules`, `use_rslora`
 *   ({@link trlPeftFields}).
 *
 * @throws ExportTrlError naming `loss`, `lossWeights`, `lossParams.<name>`, `batchSize`, `perDeviceBatchSize`,
 *   `truncationMode` or `lora.alpha`
 * @example
 * ```ts
 * const { trainer, config } = trlConfig({ ...settings, losses: [getLoss("apo_zero")], lossParams: { beta: 0.1 } });
 * trainer; // "dpo"
 * config.loss_type; // "apo_zero"
 * ```
 */
export function trlConfig(s: TrlTrainingSettings): TrlConfigResult {
  const trainer = trainerOf(s.losses);
  const type = trlLossType(s.losses[0]?.name ?? "");
  const warnings: string[] = [];
  const params = lossFields(s, warnings);
  const lossType = lossTypeFields(s, trainer);
  checkBatch(s, trainer, type);
  if (trainer === "kto" && s.truncationMode !== "keep_start") {
    throw new ExportTrlError(
      "truncationMode",
      s.truncationMode,
      "keep_start for KTOTrainer (KTOConfig has no truncation_mode: it keeps the start)",
    );
  }
  const sampling: TrlConfig = {};
  if (trainer === "kto") {
    // KTOConfig defaults to sequential; kto needs it, apo_zero_unpaired can shuffle as apo train does.
    sampling.train_sampling_strategy = type === "kto" ? "sequential" : "random";
    if (type === "kto") {
      warnings.push(
        "TRL's kto reads data/train.jsonl in file order every epoch (train_sampling_strategy: sequential, " +
          "which its KL estimate needs) and takes each example's KL completion from its micro-batch; apo train " +
          "shuffles every epoch: shuffle the file before exporting if it is sorted",
      );
    }
  }
  const config: TrlConfig = {
    model_name_or_path: s.model,
    dataset_name: s.datasetDir,
    output_dir: s.outputDir,
    ...lossType,
    ...params,
    learning_rate: s.lr,
    lr_scheduler_type: "linear",
    warmup_steps: s.warmupSteps,
    num_train_epochs: s.epochs,
    per_device_train_batch_size: s.perDeviceBatchSize,
    gradient_accumulation_steps: s.batchSize / (s.perDeviceBatchSize * s.gpus),
    ...sampling,
    max_length: s.maxLength,
    ...(trainer === "dpo" ? { truncation_mode: s.truncationMode } : {}),
    optim: "rmsprop",
    max_grad_norm: s.maxGradNorm,
    seed: s.seed,
    dtype: "float32",
    bf16: false,
    tf32: false,
    save_strategy: "epoch",
    logging_steps: 10,
    report_to: "none",
    ...(s.hasEval ? { eval_strategy: "epoch", per_device_eval_batch_size: s.perDeviceBatchSize } : {}),
    ...(s.lora ? trlPeftFields(s.lora) : {}),
    env: { ACCELERATE_MIXED_PRECISION: "no" },
  };
  return { trainer, config, warnings };
}

/**
 * Defaults of `apo export-trl` where an option is not given: those of `apo train` ({@link TRAIN_DEFAULTS}),
 * one GPU, at most 4 pairs per device per forward pass, and `max_length` 1024 (TRL's default; apo train's
 * 512 prompt + 512 completion tokens).
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
  // TRL's own default, and apo train's 512 prompt + 512 completion tokens.
  maxLength: 1024,
  seed: TRAIN_DEFAULTS.seed,
} as const;
