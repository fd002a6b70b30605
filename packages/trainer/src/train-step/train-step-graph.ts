import { getLoss, type PairedLossDefinition, type UnpairedLossDefinition } from "@apo/losses/define";
import { addGradients } from "../autodiff/gradient.js";
import { emitCompletionLogProbs } from "../logprobs/build-log-prob-graph.js";
import { headChunkOf } from "../logprobs/chunked-head.js";
import { type LoraConfig, loraAName, loraBName, validateLoraConfig } from "../lora/lora-config.js";
import { loraModules } from "../lora/lora-modules.js";
import { decoderLayerOf } from "../models/decoder-layer-of.js";
import { familyOf } from "../models/family-of.js";
import type { FloatType } from "../models/model-family.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { GraphBuilder } from "../onnx/builder.js";
import type { Dim, Model, Node } from "../onnx/types.js";
import { emitObjective } from "./emit-objective.js";
import { OPTIMIZERS, type OptimizerName } from "./optimizers/index.js";
import type { OptimizerDefinition } from "./optimizers/optimizer-definition.js";
import { checkNumber, TrainConfigError } from "./train-config-error.js";

/**
 * The optimizer update of one weight as graph inputs and outputs, shared by the training step's in-graph
 * update and the separate update graph (`buildUpdateGraph`): each state slot an input
 * `stateInputName(slot, weight)` shaped `shape`, the update emitted under the scope `update/<weight>`, the
 * new weight and state the outputs `updatedWeightName(weight)` and `updatedStateName(slot, weight)`.
 *
 * ```text
 * θ', state' = optimizer(θ, ĝ, state, lr, step)
 * ```
 *
 * @example
 * ```ts
 * emitOptimizerUpdate(g, OPTIMIZERS.rmsprop, config, "float32", { weight: w, grad, shape: [16, 8], lr, step });
 * ```
 */
export function emitOptimizerUpdate<C extends object>(
  g: GraphBuilder,
  optimizer: OptimizerDefinition<C>,
  config: C,
  dtype: FloatType,
  io: { weight: string; grad: string; shape: readonly Dim[]; lr: string; step: string },
): void {
  const { weight, grad, shape, lr, step } = io;
  const slots = optimizer.stateNames(config);
  const state = Object.fromEntries(
    slots.map((slot) => [slot, g.input(stateInputName(slot, weight), dtype, shape)] as const),
  );
  const update = g.scoped(`update/${weight}`, () =>
    optimizer.emit(g, dtype, { weight, grad, state, lr, step }, config),
  );
  g.output(g.op("Identity", [update.weight], {}, { outputs: [updatedWeightName(weight)] }));
  for (const slot of slots) {
    const value = update.state[slot] as string;
    g.output(g.op("Identity", [value], {}, { outputs: [updatedStateName(slot, weight)] }));
  }
}

/** Names of the training-step graph's inputs and outputs besides the weights and their state. */
export const TRAIN_STEP_IO = {
  referenceLogp: "reference_logp",
  lr: "lr",
  step: "step",
  loss: "loss",
  losses: "losses",
  policyLogp: "policy_logp",
  tokens: "completion_tokens",
  gradNorm: "grad_norm",
  accumulationSteps: "accumulation_steps",
} as const;

/** Graph input name of a weight's optimizer state slot. */
export const stateInputName = (slot: string, weight: string): string => `state/${slot}/${weight}`;
/** Graph output name of a weight's updated value. */
export const updatedWeightName = (weight: string): string => `updated/${weight}`;
/** Graph input name of a weight's gradient summed over the previous micro-batches of this step. */
export const accumulatedInputName = (weight: string): string => `accumulated/${weight}`;
/** Graph output name of the gradient sum including this micro-batch. */
export const accumulatedOutputName = (weight: string): string => `accumulated_out/${weight}`;
/** Graph output name of a weight's updated optimizer state slot. */
export const updatedStateName = (slot: string, weight: string): string => `updated_state/${slot}/${weight}`;
/**
 * Graph output name of a weight's clipped gradient ĝ = ∇ · clip in the `separateUpdate` form, the value the
 * in-graph optimizer reads (`clipped_grad/<weight>`).
 * @example clippedGradName("lm_head.weight"); // "clipped_grad/lm_head.weight"
 */
export const clippedGradName = (weight: string): string => `clipped_grad/${weight}`;

/** What the training step computes: loss, optimizer, clipping, precision. */
export interface TrainStepOptions {
  /**
   * A loss of `@apo/losses` by TRL name (default `apo_zero`), or any definition made with
   * `definePairedLoss`/`defineUnpairedLoss` (trainable without registering it). Unpaired losses (`kto`,
   * `apo_zero_unpaired`) take a `labels` input; KTO's rows are the completions followed by as many
   * mismatched completions, whose log-probs give its detached KL reference point.
   */
  loss?: string | PairedLossDefinition | UnpairedLossDefinition;
  /** Its parameters (default: the loss's defaults, e.g. β = 0.1). */
  lossParams?: Record<string, number>;
  /** Optimizer (default `rmsprop`, the paper's) and its options (PyTorch's defaults). */
  optimizer?: OptimizerName;
  optimizerConfig?: Record<string, number>;
  /** Global gradient-norm clipping threshold (default 1, Hugging Face's; `Infinity` disables). */
  maxGradNorm?: number;
  /** Precision of weights and arithmetic (default float32; float64 for exact checks). */
  dtype?: FloatType;
  /**
   * The padded sequence length (T) of the batches the step will mostly be fed (default: the model's
   * `maxPositions`). It picks the dense layers' form: per-sequence products from 256 tokens, one 2-D Gemm
   * below (faster for short sequences). Any batch runs either way; `train` passes its data's length.
   */
  expectedSequenceLength?: number;
  /**
   * Build the gradient-accumulation form (default false): extra inputs `accumulated/<w>` (the gradient sum of
   * the previous micro-batches) and `accumulation_steps` (A), extra outputs `accumulated_out/<w>`, and the
   * update applied to (accumulated + ∇)/A. Run it A times per optimizer step, keeping only the last update.
   */
  accumulate?: boolean;
  /**
   * Train LoRA adapters instead of the weights (PEFT + TRL): the base weights are frozen initializers, the
   * adapters' A and B (named `loraAName`/`loraBName`) are the trainable weights, and gradient clipping and
   * the optimizer state cover them only. The graph has the scalar input `lora_scale` (feed 1).
   */
  lora?: LoraConfig;
  /**
   * Recompute each decoder layer's activations in the backward from the layer's input instead of keeping
   * them from the forward (default false): the forward keeps one [B, T, hidden] tensor per layer, and a
   * layer's activations (attention probabilities included) live only during its own backward, for about
   * one more forward pass of time. Values are bit-for-bit the same.
   */
  recompute?: boolean;
  /**
   * Leave the optimizer out of the graph (default false; full fine-tuning without `accumulate` or `lora`
   * only, else a `TrainConfigError`): no `state/*` inputs and no `updated*` outputs; instead each weight's
   * clipped gradient ĝ (the exact tensor the in-graph optimizer would read) is the output
   * `clippedGradName(w)`, and the update θ', state' = optimizer(θ, ĝ, state, lr, step) is run by the graph
   * of `buildUpdateGraph`. Then no weight- or state-sized output is allocated by the step; the `lr` and
   * `step` inputs stay (unused) so both forms are fed alike.
   */
  separateUpdate?: boolean;
}

/** A built training-step graph and the facts needed to feed it. */
export interface TrainStepArtifact {
  model: Model;
  /** Trainable weight names, in input order. */
  weights: readonly string[];
  /** Optimizer state slot names (per weight). */
  stateSlots: readonly string[];
  /** Whether the graph is the gradient-accumulation form. */
  accumulate: boolean;
  /** Whether the optimizer is left out (`TrainStepOptions.separateUpdate`): outputs `clippedGradName(w)`. */
  separateUpdate: boolean;
  loss: PairedLossDefinition | UnpairedLossDefinition;
  lossParams: Record<string, number>;
  optimizer: OptimizerDefinition;
  optimizerConfig: Record<string, number>;
  dtype: FloatType;
  /** The LoRA adapters trained instead of the weights (then `weights` are their A and B names), if any. */
  lora?: LoraConfig;
  /** Whether the backward recomputes each decoder layer's activations (`TrainStepOptions.recompute`). */
  recompute: boolean;
}

/**
 * Builds the training-step graph of a causal LM for a paired preference loss: forward of the chosen and
 * rejected sequences, the loss emitted from its `@apo/losses` definition, the backward pass seeded with the
 * loss's closed-form gradients, global-norm clipping, and the optimizer update. Weights and optimizer state
 * are graph inputs; their updated values are outputs, so one `run()` is one optimizer step.
 *
 * The batch holds 2B sequences: rows 0…B−1 are the chosen completions, rows B…2B−1 the rejected ones of the
 * same pairs; `reference_logp` [2B] holds the reference model's log-probs in the same order.
 *
 * ```text
 * c, r       = completion log-probs of the chosen / rejected rows           (forward)
 * L          = mean_i loss(c_i, r_i, c0_i, r0_i, ℓc_i, ℓr_i)                 (@apo/losses definition)
 * ∇θ L       = VJP of θ ↦ (c, r) with seed (∂L/∂c, ∂L/∂r) / B               (autodiff)
 * ∇          = (accumulated + ∇θ L)/A                                        (with `accumulate`)
 * ĝ          = ∇θ L · min(1, maxGradNorm / (‖∇θ L‖₂ + 1e-6))                (clipping, as torch)
 * θ', state' = optimizer(θ, ĝ, state, lr, step)
 * ```
 *
 * With `lora`, θ is the adapters' A and B only (the base weights are initializers), as PEFT + TRL train.
 * With `separateUpdate`, the graph stops at ĝ (outputs `clippedGradName(w)`, no state inputs).
 * @example
 * ```ts
 * const artifact = buildTrainStep(model, { loss: "apo_zero", optimizer: "rmsprop" });
 * await writeModel("train_step.onnx", artifact.model, { externalData: {} });
 * ```
 */
export function buildTrainStep(
  pretrained: PretrainedModel,
  options: TrainStepOptions = {},
): TrainStepArtifact {
  const dtype = options.dtype ?? "float32";
  const definition = typeof options.loss === "object" ? options.loss : getLoss(options.loss ?? "apo_zero");
  const lossParams = { ...(definition.defaults as Record<string, number>), ...options.lossParams };
  const optimizerName = options.optimizer ?? "rmsprop";
  const optimizer: OptimizerDefinition | undefined = OPTIMIZERS[optimizerName];
  if (optimizer === undefined) {
    throw new TrainConfigError("optimizer", optimizerName, `one of ${Object.keys(OPTIMIZERS).join(", ")}`);
  }
  const optimizerConfig = { ...(optimizer.defaults as Record<string, number>), ...options.optimizerConfig };
  optimizer.validate(optimizerConfig);
  const maxGradNorm = options.maxGradNorm ?? 1;
  checkNumber("maxGradNorm", maxGradNorm, 0, Number.POSITIVE_INFINITY, { loOpen: true });
  if (options.expectedSequenceLength !== undefined) {
    checkNumber("expectedSequenceLength", options.expectedSequenceLength, 0, Number.POSITIVE_INFINITY);
  }

  const lora = options.lora;
  if (lora !== undefined) validateLoraConfig(lora);
  const accumulate = options.accumulate ?? false;
  const separateUpdate = options.separateUpdate ?? false;
  if (separateUpdate && (accumulate || lora !== undefined)) {
    throw new TrainConfigError(
      "separateUpdate",
      true,
      `false with ${accumulate ? "accumulate" : "lora"} (the separate update is for full fine-tuning without accumulation)`,
    );
  }

  const g = new GraphBuilder({ name: `train_step_${definition.name}_${optimizer.name}` });
  const { logp, tokens } = emitCompletionLogProbs(g, pretrained, {
    ...(lora === undefined ? { trainable: "all" as const } : { lora }),
    dtype,
    ...(options.expectedSequenceLength === undefined
      ? {}
      : { expectedSequenceLength: options.expectedSequenceLength }),
  });
  const names = new Set(pretrained.weights.keys());
  const weights =
    lora === undefined
      ? familyOf(pretrained.config)
          .weightSpecs(pretrained.config, names)
          .map((s) => s.name)
          .filter((n) => g.isDefined(n))
      : loraModules(pretrained, lora.targets).flatMap((m) => [loraAName(m.module), loraBName(m.module)]);
  const reference = g.input(TRAIN_STEP_IO.referenceLogp, dtype, ["pairs2"]);
  const lr = g.input(TRAIN_STEP_IO.lr, dtype, []);
  const step = g.input(TRAIN_STEP_IO.step, dtype, []);

  const out = emitObjective(g, definition, lossParams, { logp, tokens, reference }, dtype);
  const seed = out.seed;
  const raw = addGradients(g, {
    loss: logp,
    wrt: weights,
    seed,
    // Recomputed: each decoder layer and each chunk of a chunked log-prob head.
    ...(options.recompute === true
      ? { recompute: (node: Node) => decoderLayerOf(node) ?? headChunkOf(node) }
      : {}),
  });
  const grads = new Map(raw);
  if (accumulate) {
    const steps = g.input(TRAIN_STEP_IO.accumulationSteps, dtype, []);
    for (const w of weights) {
      const previous = g.input(accumulatedInputName(w), dtype, g.typeOf(w)?.shape ?? []);
      const sum = g.op("Add", [previous, raw.get(w) as string]);
      g.output(g.op("Identity", [sum], {}, { outputs: [accumulatedOutputName(w)] }));
      grads.set(w, g.op("Div", [sum, steps]));
    }
  }

  const squares = weights.map((w) => g.op("ReduceSumSquare", [grads.get(w) as string], { keepdims: 0 }));
  const norm = g.op("Sqrt", [squares.length === 1 ? (squares[0] as string) : g.op("Sum", squares)]);
  const clip = Number.isFinite(maxGradNorm)
    ? g.op("Min", [
        g.scalar(1, dtype),
        g.op("Div", [g.scalar(maxGradNorm, dtype), g.op("Add", [norm, g.scalar(1e-6, dtype)])]),
      ])
    : g.scalar(1, dtype);

  const slots = optimizer.stateNames(optimizerConfig);
  for (const w of weights) {
    if (separateUpdate) {
      // The Mul itself is the output (an Identity after it could be a copy of every gradient).
      g.output(g.op("Mul", [grads.get(w) as string, clip], {}, { outputs: [clippedGradName(w)] }));
      continue;
    }
    const grad = g.op("Mul", [grads.get(w) as string, clip]);
    const shape = g.typeOf(w)?.shape ?? [];
    emitOptimizerUpdate(g, optimizer, optimizerConfig, dtype, { weight: w, grad, shape, lr, step });
  }
  g.output(g.op("Identity", [out.mean], {}, { outputs: [TRAIN_STEP_IO.loss] }));
  g.output(g.op("Identity", [out.losses], {}, { outputs: [TRAIN_STEP_IO.losses] }));
  g.output(g.op("Identity", [logp], {}, { outputs: [TRAIN_STEP_IO.policyLogp] }));
  g.output(g.op("Identity", [tokens], {}, { outputs: [TRAIN_STEP_IO.tokens] }));
  g.output(g.op("Identity", [norm], {}, { outputs: [TRAIN_STEP_IO.gradNorm] }));
  return {
    model: g.toModel(),
    weights,
    stateSlots: slots,
    accumulate,
    separateUpdate,
    loss: definition,
    lossParams,
    optimizer,
    optimizerConfig,
    dtype,
    ...(lora === undefined ? {} : { lora }),
    recompute: options.recompute === true,
  };
}
