import type { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import type { PackedBatch } from "../logprobs/pack-sequences.js";
import { packedFeeds } from "../logprobs/packed-feeds.js";
import { initLoraWeights } from "../lora/init-lora-weights.js";
import { LORA_SCALE_INPUT } from "../lora/lora-graph.js";
import { loraSessionOptions } from "../lora/lora-session-options.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { ANCHOR_DOWN_INPUT, LABELS_INPUT } from "./emit-objective.js";
import { openTrainingSession } from "./open-session.js";
import { TrainConfigError } from "./train-config-error.js";
import {
  accumulatedInputName,
  accumulatedOutputName,
  buildTrainStep,
  clippedGradName,
  stateInputName,
  TRAIN_STEP_IO,
  type TrainStepArtifact,
  type TrainStepOptions,
  updatedStateName,
  updatedWeightName,
} from "./train-step-graph.js";
import { type FloatArray, floatTensor, floatValues, initialTrainingState } from "./training-state.js";
import { UpdateSession } from "./update-session.js";

/** What one optimizer step reports. */
export interface TrainStepResult {
  /** Mean loss of the batch (before the update). */
  loss: number;
  /** Per-pair losses. */
  losses: FloatArray;
  /** Policy log-probs of the 2B rows (chosen then rejected), before the update. */
  policyLogp: FloatArray;
  /** Completion token counts of the 2B rows. */
  tokens: FloatArray;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/** One micro-batch of a gradient-accumulation step. */
export interface MicroBatch {
  /** 2B rows: the chosen rows, then the rejected rows of the same pairs (unpaired: see `labels`). */
  batch: PackedBatch;
  /** Reference log-probs of the rows. */
  referenceLogp: ArrayLike<number>;
  /** Unpaired losses: desirable (true) / undesirable labels of the completions (not of KTO's mismatched rows). */
  labels?: ArrayLike<boolean>;
  /**
   * Losses that read per-pair anchors (`apo_anchored`): one weight in [0, 1] per pair (0: APO-zero, 1:
   * APO-down), in the order of the pairs.
   */
  anchorDown?: ArrayLike<number>;
}

/** Options of {@link TrainStepSession.create}. */
export interface TrainStepSessionOptions extends Omit<TrainStepOptions, "accumulate" | "separateUpdate"> {
  /**
   * Run the optimizer update as its own small graph after the training graph, weight by weight and in place
   * (`TrainStepOptions.separateUpdate`, `UpdateSession`). Default: on for full fine-tuning without
   * accumulation (no weight- or state-sized outputs, nor copies of them, at the end of a step), off for
   * LoRA and accumulation, where `true` is a `TrainConfigError`. Results are bit-for-bit the same.
   */
  separateUpdate?: boolean;
  /**
   * Micro-batches per optimizer step (default 1). Above 1 the session uses the accumulation form of the
   * graph: {@link TrainStepSession.stepAccumulated} sums the gradients of its micro-batches and applies one
   * update with their mean.
   */
  accumulationSteps?: number;
  /** onnxruntime session options, e.g. `{ executionProviders: ["cuda"] }`. */
  sessionOptions?: InferenceSession.SessionOptions;
  /**
   * With `lora`: the adapters' starting values by PEFT name (a loaded adapter, or `initLoraWeights`); default
   * PEFT's initialisation with seed 0.
   */
  adapters?: WeightMap;
  /**
   * Train in the model's own weight arrays where they already have the training precision, instead of
   * copies (default false): one weight-sized copy less (0.54 GB for a 135M model), but `pretrained`'s
   * weights then change with every step. `train` adopts the model it loads itself. Only the separate
   * update (full fine-tuning without accumulation) updates arrays in place; the in-graph forms replace
   * `weights`' arrays with the run's outputs, leaving the model at its starting values.
   */
  adoptWeights?: boolean;
}

/**
 * A training-step graph opened in onnxruntime-node, with the weights and optimizer state it carries from
 * step to step. Each {@link step} runs forward, loss, backward and clipping in one `run()`, then the update:
 * for full fine-tuning without accumulation an {@link UpdateSession} writes it into the weight and state
 * arrays in place (`separateUpdate`); for LoRA and accumulation it is in the same `run()`, and the weights
 * and state maps then get the run's new arrays.
 *
 * @example
 * ```ts
 * const trainer = await TrainStepSession.create(model, { loss: "apo_zero", optimizer: "rmsprop" });
 * const { loss } = await trainer.step(packedPairs, referenceLogp, 2e-7);
 * const weights = trainer.weights; // updated in place, same names as the checkpoint
 * ```
 */
export class TrainStepSession {
  readonly artifact: TrainStepArtifact;
  /** Current weights by Hugging Face name. */
  readonly weights: Map<string, FloatArray>;
  /** Current optimizer state by graph input name (`state/<slot>/<weight>`). */
  readonly state: Map<string, FloatArray>;
  /** Optimizer steps taken so far. */
  steps = 0;
  readonly #session: InferenceSession;
  /** The optimizer update's own session, with `artifact.separateUpdate`. */
  readonly #update: UpdateSession | undefined;
  readonly #shapes: Map<string, readonly number[]>;

  private constructor(
    artifact: TrainStepArtifact,
    session: InferenceSession,
    update: UpdateSession | undefined,
    pretrained: PretrainedModel,
    adapters: WeightMap | undefined,
    adopt: boolean,
  ) {
    this.artifact = artifact;
    this.#session = session;
    this.#update = update;
    const initial = initialTrainingState(artifact, pretrained, adapters, adopt);
    this.weights = initial.weights;
    this.state = initial.state;
    this.#shapes = initial.shapes;
  }

  /** Builds the training-step graph of `pretrained` and opens it (weights copied from the model). */
  static async create(
    pretrained: PretrainedModel,
    options: TrainStepSessionOptions = {},
  ): Promise<TrainStepSession> {
    const steps = options.accumulationSteps ?? 1;
    if (!Number.isInteger(steps) || steps < 1)
      throw new TrainConfigError("accumulationSteps", steps, "an integer ≥ 1");
    const separateUpdate = options.separateUpdate ?? (steps === 1 && options.lora === undefined);
    const artifact = buildTrainStep(pretrained, { ...options, accumulate: steps > 1, separateUpdate });
    // LoRA: the frozen base weights are not pre-packed (see loraSessionOptions).
    const sessionOptions =
      artifact.lora === undefined ? options.sessionOptions : loraSessionOptions(options.sessionOptions);
    const session = await openTrainingSession(artifact.model, artifact.dtype, sessionOptions);
    const update = separateUpdate
      ? await UpdateSession.open(
          artifact.optimizer,
          artifact.optimizerConfig,
          artifact.dtype,
          options.sessionOptions,
        ).catch(async (e: unknown) => {
          await session.release();
          throw e;
        })
      : undefined;
    const adapters =
      options.adapters ??
      (artifact.lora === undefined
        ? undefined
        : initLoraWeights(pretrained, artifact.lora, 0, artifact.dtype));
    return new TrainStepSession(
      artifact,
      session,
      update,
      pretrained,
      adapters,
      options.adoptWeights === true,
    );
  }

  #tensor(data: FloatArray, dims: readonly number[]): OrtTensor {
    return floatTensor(data, dims);
  }

  #scalar(value: number): OrtTensor {
    return floatValues([value], this.artifact.dtype, []);
  }

  /**
   * One optimizer step on a packed batch of 2B rows (chosen rows first, then the rejected rows of the same
   * pairs) with the reference log-probs of those rows. `lr = 0` evaluates without changing anything.
   * `labels` are an unpaired loss's; `anchorDown` the B per-pair anchors of a loss that reads them.
   */
  async step(
    batch: PackedBatch,
    referenceLogp: ArrayLike<number>,
    lr: number,
    labels?: ArrayLike<boolean>,
    anchorDown?: ArrayLike<number>,
  ): Promise<TrainStepResult> {
    const micro: MicroBatch = {
      batch,
      referenceLogp,
      ...(labels === undefined ? {} : { labels }),
      ...(anchorDown === undefined ? {} : { anchorDown }),
    };
    if (this.artifact.accumulate) return (await this.stepAccumulated([micro], lr))[0] as TrainStepResult;
    return this.#run(micro, lr, undefined);
  }

  /**
   * One optimizer step over several micro-batches (gradient accumulation): their gradients are summed, the
   * update uses the mean over the micro-batches. Returns one result per micro-batch. Needs a session created
   * with `accumulationSteps` > 1 (any number of micro-batches can be given).
   */
  async stepAccumulated(microBatches: readonly MicroBatch[], lr: number): Promise<TrainStepResult[]> {
    if (!this.artifact.accumulate) {
      throw new TrainConfigError("accumulationSteps", 1, "> 1 at create() to accumulate gradients");
    }
    if (microBatches.length === 0) throw new TrainConfigError("microBatches", 0, "at least one micro-batch");
    const sums = new Map<string, FloatArray>();
    for (const [name, w] of this.weights) {
      sums.set(name, w instanceof Float64Array ? new Float64Array(w.length) : new Float32Array(w.length));
    }
    const results: TrainStepResult[] = [];
    for (let k = 0; k < microBatches.length; k++) {
      const last = k === microBatches.length - 1;
      results.push(
        await this.#run(microBatches[k] as MicroBatch, last ? lr : 0, { sums, count: microBatches.length }),
      );
    }
    return results;
  }

  async #run(
    micro: MicroBatch,
    lr: number,
    accumulation: { sums: Map<string, FloatArray>; count: number } | undefined,
  ): Promise<TrainStepResult> {
    const { batch, referenceLogp, labels, anchorDown } = micro;
    const { loss } = this.artifact;
    const halved = loss.kind === "paired" || loss.usesKl;
    if (halved && batch.batch % 2 !== 0) {
      const what = loss.kind === "paired" ? "chosen + rejected" : "completions + mismatched completions";
      throw new TrainConfigError("batch", batch.batch, `an even number of rows (${what})`);
    }
    if (loss.kind === "unpaired") {
      const examples = halved ? batch.batch / 2 : batch.batch;
      if (labels?.length !== examples) {
        throw new TrainConfigError(
          "labels",
          labels?.length,
          `${examples} desirable/undesirable labels for ${loss.name}`,
        );
      }
    }
    const anchored = loss.kind === "paired" && loss.usesAnchorDown === true;
    if (anchored) checkAnchorDown(loss.name, anchorDown, batch.batch / 2);
    if (referenceLogp.length !== batch.batch) {
      throw new TrainConfigError("referenceLogp", referenceLogp.length, `${batch.batch} values, one per row`);
    }
    const feeds: Record<string, OrtTensor> = {
      ...packedFeeds(batch),
      [TRAIN_STEP_IO.referenceLogp]: floatValues(referenceLogp, this.artifact.dtype, [batch.batch]),
      [TRAIN_STEP_IO.lr]: this.#scalar(lr),
      [TRAIN_STEP_IO.step]: this.#scalar(this.steps + 1),
    };
    if (this.artifact.lora !== undefined) feeds[LORA_SCALE_INPUT] = this.#scalar(1);
    if (accumulation !== undefined) feeds[TRAIN_STEP_IO.accumulationSteps] = this.#scalar(accumulation.count);
    if (labels !== undefined && this.artifact.loss.kind === "unpaired") {
      feeds[LABELS_INPUT] = floatValues(
        Array.from(labels, (l) => (l ? 1 : 0)),
        this.artifact.dtype,
        [labels.length],
      );
    }
    if (anchored) {
      const values = anchorDown as ArrayLike<number>;
      feeds[ANCHOR_DOWN_INPUT] = floatValues(values, this.artifact.dtype, [values.length]);
    }
    for (const [name, data] of this.weights) {
      const shape = this.#shapes.get(name) ?? [];
      feeds[name] = this.#tensor(data, shape);
      if (accumulation !== undefined) {
        feeds[accumulatedInputName(name)] = this.#tensor(accumulation.sums.get(name) as FloatArray, shape);
      }
      if (this.#update !== undefined) continue;
      for (const slot of this.artifact.stateSlots) {
        const key = stateInputName(slot, name);
        feeds[key] = this.#tensor(this.state.get(key) as FloatArray, shape);
      }
    }
    const out = await this.#session.run(feeds);
    const read = (name: string) => out[name]?.data as FloatArray;
    if (accumulation !== undefined) {
      for (const name of this.weights.keys()) accumulation.sums.set(name, read(accumulatedOutputName(name)));
    }
    if (lr !== 0 && this.#update !== undefined) {
      for (const [name, weight] of this.weights) {
        const state = this.artifact.stateSlots.map(
          (s) => this.state.get(stateInputName(s, name)) as FloatArray,
        );
        await this.#update.apply(weight, read(clippedGradName(name)), state, lr, this.steps + 1);
      }
      this.steps += 1;
    } else if (lr !== 0) {
      for (const name of this.weights.keys()) {
        this.weights.set(name, read(updatedWeightName(name)));
        for (const slot of this.artifact.stateSlots) {
          this.state.set(stateInputName(slot, name), read(updatedStateName(slot, name)));
        }
      }
      this.steps += 1;
    }
    return {
      loss: read(TRAIN_STEP_IO.loss)[0] as number,
      losses: read(TRAIN_STEP_IO.losses),
      policyLogp: read(TRAIN_STEP_IO.policyLogp),
      tokens: read(TRAIN_STEP_IO.tokens),
      gradNorm: read(TRAIN_STEP_IO.gradNorm)[0] as number,
    };
  }

  /** Release the onnxruntime sessions. */
  async release(): Promise<void> {
    await this.#session.release();
    await this.#update?.release();
  }
}

/** The per-pair anchors of a micro-batch for a loss that reads them: B values in [0, 1]. */
function checkAnchorDown(loss: string, anchorDown: ArrayLike<number> | undefined, pairs: number): void {
  if (anchorDown?.length !== pairs) {
    throw new TrainConfigError(
      "anchorDown",
      anchorDown?.length,
      `${pairs} per-pair anchors in [0, 1] for ${loss} (0: APO-zero, 1: APO-down)`,
    );
  }
  for (let i = 0; i < pairs; i++) {
    const a = anchorDown[i] as number;
    if (!(a >= 0 && a <= 1)) throw new TrainConfigError(`anchorDown[${i}]`, a, "a weight in [0, 1]");
  }
}
