import type { LossDefinition } from "@apo/losses/define";
import type { InferenceSession } from "onnxruntime-node";
import type { LoraConfig } from "../lora/lora-config.js";
import type { LoraOption } from "../lora/lora-options.js";
import type { FloatType } from "../models/model-family.js";
import type { EvalEachEpoch } from "../report/epoch-evals.js";
import type { OptimizerName } from "../train-step/optimizers/index.js";
import type { ProgressOptions, StepReport } from "./progress.js";

/**
 * Everything a training run is: model, data, loss, optimizer, schedule, batching, evaluation and
 * checkpointing. Saved in every checkpoint (`trainer_state.json`), so `apo train --resume DIR` needs no
 * other option. Field names are those of {@link TrainOptions}.
 */
export interface TrainConfig {
  /** Hugging Face checkpoint folder of the model to align (also the reference model). */
  model: string;
  /** JSONL of preference pairs in TRL's paired format (KTO's unpaired format for an unpaired loss). */
  data: string;
  /** Output folder: checkpoints, `metrics.jsonl`, `plots/`. */
  out: string;
  /** JSONL of held-out pairs; null: hold out `evalFraction` of `data`. */
  eval: string | null;
  /** Fraction of `data` held out when `eval` is null (0 disables evaluation). */
  evalFraction: number;
  /**
   * Loss by TRL name (`apo_zero`, `apo_down`, `sigmoid`, …, the unpaired `kto` and `apo_zero_unpaired`, or
   * a custom definition's name), or a list of paired losses summed with `lossWeights` (TRL's `loss_type`
   * list, e.g. `["sigmoid", "sft"]`).
   */
  loss: string | string[];
  /**
   * One weight per loss of a list (TRL's `loss_weights`): the objective is Σₖ wₖ·mean_i Lₖ. Null for one loss
   * (weight 1), or a list with weight 1 each.
   */
  lossWeights: number[] | null;
  /** Its parameters, defaults filled in (β is `lossParams.beta`); a list's losses share them, as in TRL. */
  lossParams: Record<string, number>;
  optimizer: OptimizerName;
  /** Optimizer options over PyTorch's defaults (e.g. `{ alpha: 0.99, eps: 1e-8 }` for RMSProp). */
  optimizerConfig: Record<string, number>;
  /** Peak learning rate; it decays linearly to 0 over the run. */
  lr: number;
  /** Steps of linear warmup before the decay. */
  warmupSteps: number;
  epochs: number;
  /** Effective batch size in pairs (one optimizer step). */
  batchSize: number;
  /** Pairs per forward/backward run; `batchSize / microBatchSize` are accumulated. */
  microBatchSize: number;
  /** Global gradient-norm clipping (Hugging Face's default 1). */
  maxGradNorm: number;
  /** Prompt + completion tokens per sequence (TRL's `max_length`, default 1024); null: the model's context. */
  maxLength: number | null;
  /** TRL's `truncation_mode`: keep the first (default) or last `maxLength` tokens of each sequence. */
  truncationMode: "keep_start" | "keep_end";
  /** The paper's cut, applied before `maxLength`: prompt tokens kept from the end (null: none; paper 512). */
  maxPromptLength: number | null;
  /** The paper's cut: completion tokens kept from the start (null: none; paper 512). */
  maxCompletionLength: number | null;
  /** Evaluate every this many optimizer steps (null: four times per epoch). */
  evalEvery: number | null;
  /** Save a checkpoint at each epoch's end, or every this many steps. The last step always saves. */
  saveEvery: "epoch" | number;
  /** Seed of the shuffling and of the held-out split. */
  seed: number;
  /**
   * Batch order: `"seeded"` shuffles with the run's own generator (its state is saved for resume);
   * `"torch"` takes each epoch's order from `torch.randperm(N)` seeded with `seed + epoch`, the order TRL's
   * trainer (transformers + accelerate) visits the rows in, so the same seed gives the same batches.
   */
  order: "seeded" | "torch";
  /** Precision of training (float64 for exact checks). */
  dtype: FloatType;
  /** Folder of cached reference log-probs (default `<out>/reference-cache`). */
  cacheDir: string;
  /**
   * LoRA adapters trained instead of the weights (PEFT + TRL), or null for full fine-tuning: the base
   * weights stay frozen, checkpoints hold the adapter in PEFT's format, the reference is the base model.
   */
  lora: LoraConfig | null;
  /**
   * Activation recomputation per decoder layer (bit-for-bit the same results, less memory, about one more
   * forward pass of time): `"auto"` (default) turns it on when a micro-batch holds ≥ 1024 tokens
   * (rows × typical padded length), `true`/`false` always/never.
   */
  recompute: boolean | "auto";
}

/**
 * Options of {@link train}: a partial {@link TrainConfig} (or a preset) plus run-time hooks. `model`,
 * `data` and `out` are required unless `resumeFrom` names a checkpoint, whose saved config fills the rest.
 *
 * @example
 * ```ts
 * const options: TrainOptions = { preset: "paper", model: "models/llama", data: "clair.jsonl", out: "runs/clair", microBatchSize: 2 };
 * ```
 */
export interface TrainOptions
  extends Partial<Omit<TrainConfig, "eval" | "cacheDir" | "loss" | "lossWeights" | "lora">> {
  /**
   * A loss of `@apo/losses` by TRL name, or a definition object (`definePairedLoss`, `defineUnpairedLoss`);
   * the config and checkpoints record its name, so a resumed run with an unregistered loss passes the
   * object again. Unpaired losses read `data` and `eval` in TRL's KTO format (`prompt`, `completion`, `label`).
   * A list of paired losses trains their weighted sum (TRL's `loss_type` list; see `lossWeights`).
   */
  loss?: string | LossDefinition | readonly (string | LossDefinition)[];
  /** One weight per loss of `loss` (TRL's `loss_weights`; default 1 each), e.g. `[1, 0.5]` for sigmoid + 0.5·sft. */
  lossWeights?: readonly number[] | null;
  /** Held-out pairs file (default: a seeded `evalFraction` of `data`). */
  eval?: string;
  /** Reference log-prob cache folder (default `<out>/reference-cache`). */
  cacheDir?: string;
  /**
   * Train a LoRA adapter: `true` for `LORA_DEFAULTS` (r 16, alpha 32, all linear layers), or
   * `{ r, alpha, targets, rsLora }` with missing fields from those defaults; false/null (default) trains
   * every weight.
   */
  lora?: LoraOption;
  /** Start from these values, then apply the other options: `"paper"` is {@link paperPreset}. */
  preset?: "paper";
  /** Shorthand for `lossParams.beta`. */
  beta?: number;
  /** A checkpoint folder (`out/checkpoint-<step>`) or an output folder (its latest checkpoint) to continue. */
  resumeFrom?: string;
  /** Aborting saves a checkpoint after the current step and returns with `interrupted: true`. */
  signal?: AbortSignal;
  /** Progress output (default: stderr, a live line on a TTY, else a line every 10 steps). */
  progress?: ProgressOptions;
  /** Called after every optimizer step (after the progress line). */
  onStep?: (report: StepReport) => void;
  /** onnxruntime session options for both the training and log-prob sessions. */
  sessionOptions?: InferenceSession.SessionOptions;
  /**
   * Score the starting model (epoch 0) and each epoch's checkpoint (saved at every epoch's end, whatever
   * `saveEvery` says) with a shell command (`{ command }`, see `scorePendingEpochs`) or a function
   * `(checkpoint, epoch) => Promise<scores>`: rows in `out/epoch-evals.jsonl`, the paper's Table 2 form (max
   * and mean change vs. the start) in `out/epoch-evals.md`. Not saved in checkpoints: a resumed run passes
   * it again, and scores first what the interrupted run left unscored.
   */
  evalEachEpoch?: EvalEachEpoch;
}

/**
 * Defaults when neither an option nor a preset says otherwise: APO-zero with TRL's usual scale (lr 1e-6,
 * batches of 8 pairs, 3 epochs), RMSProp, TRL's truncation (1024 tokens per sequence, keep the start), a
 * checkpoint per epoch.
 *
 * @example
 * ```ts
 * TRAIN_DEFAULTS.loss; // "apo_zero"
 * ```
 */
export const TRAIN_DEFAULTS = {
  evalFraction: 0.1,
  loss: "apo_zero",
  optimizer: "rmsprop",
  lr: 1e-6,
  warmupSteps: 0,
  epochs: 3,
  batchSize: 8,
  maxGradNorm: 1,
  maxLength: 1024,
  truncationMode: "keep_start",
  maxPromptLength: null,
  maxCompletionLength: null,
  saveEvery: "epoch",
  seed: 42,
  order: "seeded",
  dtype: "float32",
} as const satisfies Partial<TrainConfig>;

/**
 * The paper's training setup (D'Oosterlinck et al. 2024, section 5.2): APO-zero with β = 0.1, RMSProp at
 * lr 2·10⁻⁷ decaying linearly to 0, effective batch 16, 18 epochs, a checkpoint every epoch, prompt and
 * response truncated to 512 tokens each.
 *
 * @example
 * ```ts
 * await train({ ...paperPreset, model: "models/llama", data: "clair.jsonl", out: "runs/clair" });
 * ```
 */
export const paperPreset = {
  loss: "apo_zero",
  beta: 0.1,
  optimizer: "rmsprop",
  lr: 2e-7,
  warmupSteps: 0,
  batchSize: 16,
  epochs: 18,
  saveEvery: "epoch",
  maxPromptLength: 512,
  maxCompletionLength: 512,
} as const satisfies TrainOptions;
