import type { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { asFloatArray, type WeightOptions } from "../models/model-weights.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { openTrainingSession } from "../train-step/open-session.js";
import { floatTensor } from "../train-step/training-state.js";
import { buildLogProbModel, LOG_PROB_IO } from "./build-log-prob-graph.js";
import { checkPackedLengths, openLogProbGraph } from "./open-log-prob-graph.js";
import { type PackedBatch, type PromptCompletion, packSequences } from "./pack-sequences.js";
import { packedFeeds } from "./packed-feeds.js";

/**
 * Options of {@link LogProbSession.create}: weight precision, when to go through external data, and the
 * training step's form (`trainable`, `expectedSequenceLength`; see {@link LogProbSession.create}).
 */
export interface LogProbSessionOptions extends WeightOptions {
  /**
   * Weight bytes above which the graph is written to a temporary `model.onnx` + `model.onnx.data` and
   * loaded from there (protobuf messages cannot exceed 2 GiB). Default 1 GiB.
   */
  readonly externalDataAbove?: number;
}

/** Summed completion log-prob and completion token count of one sequence. */
export interface CompletionLogProb {
  readonly logp: number;
  readonly tokens: number;
}

/**
 * A model's log-prob graph loaded in an onnxruntime-node session, for repeated batches.
 *
 * @example
 * ```ts
 * const session = await LogProbSession.create(model);
 * const [row] = await session.run([{ promptIds: [1, 72], completionIds: [104, 2] }]);
 * ```
 */
export class LogProbSession {
  readonly #session: InferenceSession;
  readonly #model: PretrainedModel;
  /** The weights that are graph inputs (the training step's form), fed to every run. */
  readonly #weights: Readonly<Record<string, OrtTensor>>;

  private constructor(
    session: InferenceSession,
    model: PretrainedModel,
    weights: Readonly<Record<string, OrtTensor>> = {},
  ) {
    this.#session = session;
    this.#model = model;
    this.#weights = weights;
  }

  /**
   * Build the log-prob graph of `model` and open it in onnxruntime-node (CPU unless `sessionOptions` says
   * otherwise, e.g. `{ executionProviders: ["cuda"] }`). `weightOptions.dtype: "float64"` builds an
   * exact double-precision graph (for checks; slower).
   *
   * With `weightOptions.trainable` the graph is the training step's forward: those weights are graph inputs
   * (fed from `model` at every run), the dense layers take the form `expectedSequenceLength` picks, and the
   * session opens with the training step's options (`openTrainingSession`). Given the same batch, it
   * computes the very float32 log-probs the training step computes as its policy's (see
   * `trainingFormReference`); with initializers onnxruntime pre-packs and fuses differently.
   */
  static async create(
    model: PretrainedModel,
    sessionOptions: InferenceSession.SessionOptions = {},
    weightOptions: LogProbSessionOptions = {},
  ): Promise<LogProbSession> {
    const onnx = buildLogProbModel(model, weightOptions);
    if (weightOptions.trainable !== undefined) {
      const dtype = weightOptions.dtype ?? "float32";
      const feeds: Record<string, OrtTensor> = {};
      for (const { name } of onnx.graph.inputs) {
        const t = model.weights.get(name);
        if (t === undefined || !(t.data instanceof Float32Array || t.data instanceof Float64Array)) continue;
        feeds[name] = floatTensor(asFloatArray(t.data, dtype), t.shape);
      }
      const session = await openTrainingSession(onnx, dtype, sessionOptions);
      return new LogProbSession(session, model, feeds);
    }
    // ORT's extended fusions (QuickGelu, Gelu, …) have float-only kernels or float approximations.
    const exact: InferenceSession.SessionOptions =
      weightOptions.dtype === "float64" ? { graphOptimizationLevel: "basic" } : {};
    const options = { ...exact, ...sessionOptions };
    const session = await openLogProbGraph(
      onnx,
      model,
      options,
      weightOptions.externalDataAbove,
      "apo-logprobs-",
    );
    return new LogProbSession(session, model);
  }

  /**
   * Run one packed batch (any padding side); returns per-row results.
   *
   * @throws SequenceTooLongError when a row has more real tokens than the model's context
   */
  async runPacked(batch: PackedBatch): Promise<CompletionLogProb[]> {
    checkPackedLengths(batch, this.#model.config.maxPositions);
    const out = await this.#session.run({ ...packedFeeds(batch), ...this.#weights });
    const logp = out[LOG_PROB_IO.logp]!.data as Float32Array | Float64Array;
    const tokens = out[LOG_PROB_IO.tokens]!.data as Float32Array | Float64Array;
    return Array.from(logp, (v: number, i) => ({ logp: v, tokens: tokens[i]! }));
  }

  /**
   * Pack (prompt, completion) rows (right padding, checked against the context and vocabulary) and run them.
   *
   * @throws SequenceTooLongError, BatchError
   */
  async run(rows: readonly PromptCompletion[]): Promise<CompletionLogProb[]> {
    const { config, tokenizer } = this.#model;
    const padId = tokenizer?.padTokenId ?? config.eosTokenId ?? 0;
    return this.runPacked(
      packSequences(rows, { padId, maxLength: config.maxPositions, vocabSize: config.vocabSize }),
    );
  }

  /** Release the session. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}

/**
 * Per-sequence summed completion log-probs and completion token counts of a batch, computed by the model's
 * log-prob graph in onnxruntime-node. Opens a session per call: use {@link LogProbSession} for many batches.
 *
 * ```text
 * logp = Σ_{t ∈ completion} log p(x_t | x_<t),   tokens = |completion|
 * ```
 *
 * @example
 * ```ts
 * const model = await loadPretrainedModel("models/tiny-llama");
 * const [r] = await computeLogProbs(model, [{ promptIds: [1, 72], completionIds: [104, 2] }]);
 * r.logp; // e.g. -11.2
 * ```
 */
export async function computeLogProbs(
  model: PretrainedModel,
  rows: readonly PromptCompletion[],
  options: LogProbSessionOptions = {},
): Promise<CompletionLogProb[]> {
  const session = await LogProbSession.create(model, {}, options);
  try {
    return await session.run(rows);
  } finally {
    await session.release();
  }
}
