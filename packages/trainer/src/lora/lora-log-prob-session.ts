import type { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import type { FloatType } from "../float-type.js";
import { buildLogProbModel, LOG_PROB_IO } from "../logprobs/build-log-prob-graph.js";
import type { CompletionLogProb } from "../logprobs/log-prob-session.js";
import { checkPackedLengths, openLogProbGraph } from "../logprobs/open-log-prob-graph.js";
import type { PackedBatch } from "../logprobs/pack-sequences.js";
import { packedFeeds } from "../logprobs/packed-feeds.js";
import { asFloatArray } from "../models/model-weights.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import type { WeightTensor } from "../safetensors/tensor.js";
import { type FloatArray, floatTensor, floatValues } from "../train-step/training-state.js";
import { type LoraConfig, validateLoraConfig } from "./lora-config.js";
import { AdapterError } from "./lora-errors.js";
import { LORA_SCALE_INPUT } from "./lora-graph.js";
import { loraSessionOptions } from "./lora-session-options.js";

/** Options of {@link LoraLogProbSession.create}. */
export interface LoraLogProbSessionOptions {
  /** Precision of the graph (default float32). */
  readonly dtype?: FloatType;
  /** Weight bytes above which the graph goes through a temporary external-data file (default 1 GiB). */
  readonly externalDataAbove?: number;
}

/**
 * A model's log-prob graph with LoRA adapters (`buildLogProbModel` with `lora`), open in onnxruntime-node:
 * the base weights are initializers, the adapters graph inputs fed on every run from {@link adapters},
 * and {@link scale} is fed as `lora_scale`: 1 scores the adapted model, 0 the base model exactly (TRL's
 * PEFT trick for reference log-probs, with no second copy of the model).
 *
 * ```text
 * logp = Σ_{t ∈ completion} log p(x_t | x_<t),   each wrapped layer y = x·Wᵀ + (scale · s)·(x·Aᵀ)·Bᵀ
 * ```
 *
 * @example
 * ```ts
 * const session = await LoraLogProbSession.create(model, config, adapters);
 * const adapted = await session.runPacked(batch);
 * session.scale = 0;
 * const base = await session.runPacked(batch); // the base model's log-probs
 * ```
 */
export class LoraLogProbSession {
  /** The adapters' values by PEFT name, fed on each run (replace entries to score other values). */
  readonly adapters: Map<string, FloatArray>;
  /** Multiplier of every adapter's scale: 1 adapted, 0 the base model. */
  scale = 1;
  readonly #session: InferenceSession;
  readonly #model: PretrainedModel;
  readonly #shapes: Map<string, readonly number[]>;
  readonly #dtype: FloatType;

  private constructor(
    session: InferenceSession,
    model: PretrainedModel,
    adapters: ReadonlyMap<string, WeightTensor>,
    dtype: FloatType,
  ) {
    this.#session = session;
    this.#model = model;
    this.#dtype = dtype;
    this.adapters = new Map();
    this.#shapes = new Map();
    for (const name of session.inputNames) {
      if (name === LORA_SCALE_INPUT || Object.values(LOG_PROB_IO).includes(name as never)) continue;
      const t = adapters.get(name);
      if (t === undefined) throw new AdapterError("<memory>", name, "the adapter lacks this tensor");
      if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) {
        throw new AdapterError("<memory>", name, "an adapter tensor must hold floats");
      }
      this.adapters.set(name, asFloatArray(t.data, dtype));
      this.#shapes.set(name, t.shape);
    }
  }

  /**
   * Build the LoRA log-prob graph of `model` for `config` and open it (CPU unless `sessionOptions` says
   * otherwise); `adapters` holds A and B of every wrapped module, by PEFT name (copied into the graph's
   * precision when they are in another).
   *
   * @throws AdapterError naming a tensor the adapters lack
   */
  static async create(
    model: PretrainedModel,
    config: LoraConfig,
    adapters: ReadonlyMap<string, WeightTensor>,
    sessionOptions: InferenceSession.SessionOptions = {},
    options: LoraLogProbSessionOptions = {},
  ): Promise<LoraLogProbSession> {
    validateLoraConfig(config);
    const dtype = options.dtype ?? "float32";
    const onnx = buildLogProbModel(model, { dtype, lora: config });
    const exact: InferenceSession.SessionOptions =
      dtype === "float64" ? { graphOptimizationLevel: "basic" } : {};
    const merged = loraSessionOptions({ ...exact, ...sessionOptions });
    const session = await openLogProbGraph(
      onnx,
      model,
      merged,
      options.externalDataAbove,
      "apo-lora-logprobs-",
    );
    return new LoraLogProbSession(session, model, adapters, dtype);
  }

  /**
   * Run one packed batch (any padding side) at the current {@link scale}; returns per-row results.
   *
   * @throws SequenceTooLongError when a row has more real tokens than the model's context
   */
  async runPacked(batch: PackedBatch): Promise<CompletionLogProb[]> {
    checkPackedLengths(batch, this.#model.config.maxPositions);
    const feeds: Record<string, OrtTensor> = {
      ...packedFeeds(batch),
      [LORA_SCALE_INPUT]: floatValues([this.scale], this.#dtype, []),
    };
    for (const [name, data] of this.adapters) {
      feeds[name] = floatTensor(data, this.#shapes.get(name) ?? []);
    }
    const out = await this.#session.run(feeds);
    const logp = out[LOG_PROB_IO.logp]?.data as FloatArray;
    const tokens = out[LOG_PROB_IO.tokens]?.data as FloatArray;
    return Array.from(logp, (v: number, i) => ({ logp: v, tokens: tokens[i] as number }));
  }

  /** Release the session. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}
