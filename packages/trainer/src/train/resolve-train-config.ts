import { join } from "node:path";
import { DEPRECATED_LOSS_NAMES, LossParameterError } from "@apo/losses";
import type { LossDefinition } from "@apo/losses/define";
import { resolveLoraOption } from "../lora/lora-options.js";
import { OPTIMIZERS, type OptimizerName } from "../train-step/optimizers/index.js";
import { checkNumber, TrainConfigError } from "../train-step/train-config-error.js";
import { lossNames, lossWeightsOf, resolveLossDefinition } from "./loss-definition.js";
import { paperPreset, TRAIN_DEFAULTS, type TrainConfig, type TrainOptions } from "./train-options.js";

/** Fields a resumed run must keep from its checkpoint: changing one would change the trajectory. */
const LOCKED_ON_RESUME = [
  "model",
  "data",
  "eval",
  "evalFraction",
  "loss",
  "lossWeights",
  "lossParams",
  "optimizer",
  "optimizerConfig",
  "lr",
  "warmupSteps",
  "epochs",
  "batchSize",
  "microBatchSize",
  "maxGradNorm",
  "maxLength",
  "truncationMode",
  "maxPromptLength",
  "maxCompletionLength",
  "seed",
  "order",
  "dtype",
  "lora",
] as const satisfies readonly (keyof TrainConfig)[];

function positiveInt(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new TrainConfigError(field, value, "a positive integer");
}

function path(field: string, value: unknown): string {
  if (typeof value !== "string" || value === "") throw new TrainConfigError(field, value, "a path");
  return value;
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function lossParamsOf(
  definition: LossDefinition,
  given: Record<string, number> | undefined,
  beta: { explicit: number | undefined; preset: number | undefined },
) {
  const defaults = definition.defaults as Record<string, number>;
  const known = Object.keys(defaults).join(", ") || "none";
  for (const [key, value] of Object.entries(given ?? {})) {
    if (!(key in defaults)) {
      throw new TrainConfigError(`lossParams.${key}`, value, `a parameter of ${definition.name} (${known})`);
    }
  }
  if (beta.explicit !== undefined && !("beta" in defaults)) {
    throw new TrainConfigError(
      "beta",
      beta.explicit,
      `unset: ${definition.name} has no β (its parameters: ${known})`,
    );
  }
  // A preset's β applies to losses that have one, unless lossParams sets it.
  const presetBeta = "beta" in defaults && given?.beta === undefined ? beta.preset : undefined;
  const params: Record<string, number> = {
    ...defaults,
    ...given,
    ...(presetBeta === undefined ? {} : { beta: presetBeta }),
    ...(beta.explicit === undefined ? {} : { beta: beta.explicit }),
  };
  try {
    definition.validate(params);
  } catch (cause) {
    if (cause instanceof LossParameterError) {
      throw new TrainConfigError(`lossParams.${cause.parameter}`, params[cause.parameter], cause.message);
    }
    throw cause;
  }
  return params;
}

/** A recorded loss with deprecated names replaced by TRL's (`aot_pair` → `aot_unpaired`). */
function canonicalLoss(loss: string | string[]): string | string[] {
  const aliases: Readonly<Record<string, string>> = DEPRECATED_LOSS_NAMES;
  return Array.isArray(loss) ? loss.map((l) => aliases[l] ?? l) : (aliases[loss] ?? loss);
}

/**
 * Fill in and check a run's configuration: the saved config of a resumed checkpoint (if any), then the
 * preset, then the options, then {@link TRAIN_DEFAULTS}. A resumed run may change only where it writes,
 * how often it evaluates and saves, and its cache folder.
 *
 * @throws TrainConfigError naming the field
 * @example
 * ```ts
 * const config = resolveTrainConfig({ model: "m", data: "d.jsonl", out: "runs/a", preset: "paper" });
 * config.lr; // 2e-7
 * ```
 */
export function resolveTrainConfig(options: TrainOptions, saved?: TrainConfig): TrainConfig {
  const given = defined(options);
  const preset: TrainOptions | null =
    given.preset === undefined ? {} : given.preset === "paper" ? paperPreset : null;
  if (preset === null) throw new TrainConfigError("preset", given.preset, '"paper"');
  const savedOptions: TrainOptions = {};
  if (saved !== undefined) {
    const { eval: savedEval, ...rest } = saved;
    Object.assign(savedOptions, rest, savedEval === null ? {} : { eval: savedEval });
  }
  const merged: TrainOptions = { ...TRAIN_DEFAULTS, ...savedOptions, ...preset, ...given };
  const model = path("model", merged.model);
  const data = path("data", merged.data);
  const out = path("out", merged.out);
  const evalFile = merged.eval === undefined ? null : path("eval", merged.eval);
  const definition = resolveLossDefinition(merged.loss ?? TRAIN_DEFAULTS.loss, merged.lossWeights);
  const loss = lossNames(definition);
  // An explicit β wins over a preset's; a preset's β over saved or given lossParams only without them.
  const lossParams = lossParamsOf(definition, merged.lossParams, {
    explicit: given.beta,
    preset: preset.beta,
  });
  const optimizer = (merged.optimizer ?? TRAIN_DEFAULTS.optimizer) as OptimizerName;
  if (!Object.hasOwn(OPTIMIZERS, optimizer)) {
    throw new TrainConfigError("optimizer", optimizer, `one of ${Object.keys(OPTIMIZERS).join(", ")}`);
  }
  const config: TrainConfig = {
    model,
    data,
    out,
    eval: evalFile,
    evalFraction: merged.evalFraction ?? TRAIN_DEFAULTS.evalFraction,
    loss,
    lossWeights: lossWeightsOf(definition),
    lossParams,
    optimizer,
    optimizerConfig: { ...merged.optimizerConfig },
    lr: merged.lr ?? TRAIN_DEFAULTS.lr,
    warmupSteps: merged.warmupSteps ?? 0,
    epochs: merged.epochs ?? TRAIN_DEFAULTS.epochs,
    batchSize: merged.batchSize ?? TRAIN_DEFAULTS.batchSize,
    microBatchSize: merged.microBatchSize ?? merged.batchSize ?? TRAIN_DEFAULTS.batchSize,
    maxGradNorm: merged.maxGradNorm ?? TRAIN_DEFAULTS.maxGradNorm,
    maxLength: merged.maxLength === undefined ? TRAIN_DEFAULTS.maxLength : merged.maxLength,
    truncationMode: merged.truncationMode ?? TRAIN_DEFAULTS.truncationMode,
    maxPromptLength: merged.maxPromptLength ?? null,
    maxCompletionLength: merged.maxCompletionLength ?? null,
    evalEvery: merged.evalEvery ?? null,
    saveEvery: merged.saveEvery ?? "epoch",
    seed: merged.seed ?? TRAIN_DEFAULTS.seed,
    order: merged.order ?? TRAIN_DEFAULTS.order,
    dtype: merged.dtype ?? "float32",
    cacheDir:
      given.cacheDir ??
      (saved !== undefined && given.out === undefined ? saved.cacheDir : join(out, "reference-cache")),
    lora: resolveLoraOption(merged.lora),
    recompute: merged.recompute ?? "auto",
  };
  checkNumber("evalFraction", config.evalFraction, 0, 1, { hiOpen: true });
  checkNumber("lr", config.lr, 0, Number.POSITIVE_INFINITY, { loOpen: true, hiOpen: true });
  checkNumber("maxGradNorm", config.maxGradNorm, 0, Number.POSITIVE_INFINITY, { loOpen: true });
  if (!Number.isInteger(config.warmupSteps) || config.warmupSteps < 0) {
    throw new TrainConfigError("warmupSteps", config.warmupSteps, "a non-negative integer");
  }
  positiveInt("epochs", config.epochs);
  positiveInt("batchSize", config.batchSize);
  positiveInt("microBatchSize", config.microBatchSize);
  for (const field of ["maxLength", "maxPromptLength", "maxCompletionLength"] as const) {
    const value = config[field];
    if (value !== null) positiveInt(field, value);
  }
  if (config.truncationMode !== "keep_start" && config.truncationMode !== "keep_end") {
    throw new TrainConfigError("truncationMode", config.truncationMode, '"keep_start" or "keep_end"');
  }
  if (config.order !== "seeded" && config.order !== "torch") {
    throw new TrainConfigError("order", config.order, '"seeded" or "torch"');
  }
  if (config.batchSize % config.microBatchSize !== 0) {
    throw new TrainConfigError(
      "microBatchSize",
      config.microBatchSize,
      `a divisor of batchSize (${config.batchSize})`,
    );
  }
  if (config.evalEvery !== null) positiveInt("evalEvery", config.evalEvery);
  if (config.saveEvery !== "epoch") positiveInt("saveEvery", config.saveEvery);
  if (!Number.isSafeInteger(config.seed)) throw new TrainConfigError("seed", config.seed, "an integer");
  if (config.recompute !== true && config.recompute !== false && config.recompute !== "auto") {
    throw new TrainConfigError("recompute", config.recompute, 'true, false or "auto"');
  }
  if (config.dtype !== "float32" && config.dtype !== "float64") {
    throw new TrainConfigError("dtype", config.dtype, '"float32" or "float64"');
  }
  if (saved !== undefined) {
    // A checkpoint's deprecated loss name (aot_pair) is the same run under TRL's name.
    const before: TrainConfig = { ...saved, loss: canonicalLoss(saved.loss) };
    for (const field of LOCKED_ON_RESUME) {
      // Fields newer than the checkpoint (saved as undefined) take their defaults.
      if (before[field] !== undefined && JSON.stringify(config[field]) !== JSON.stringify(before[field])) {
        throw new TrainConfigError(
          field,
          config[field],
          `${JSON.stringify(before[field])} as in the checkpoint being resumed (start a new run to change it)`,
        );
      }
    }
  }
  return config;
}
