import { type InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import type { PackedBatch } from "../logprobs/pack-sequences.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import {
  buildFusedTrainSteps,
  collectedName,
  FUSED_STEP_IO,
  type FusedTrainStepsArtifact,
  finalName,
  initialName,
  stackedInputName,
} from "./fused-train-steps.js";
import { openTrainingSession } from "./open-session.js";
import { TrainConfigError } from "./train-config-error.js";
import { TRAIN_STEP_IO } from "./train-step-graph.js";
import type { MicroBatch, TrainStepResult, TrainStepSessionOptions } from "./train-step-session.js";
import { type FloatArray, floatTensor, floatValues, initialTrainingState } from "./training-state.js";

/** Stacks K packed batches of equal row count into [K, rows, T] arrays, padding each to the longest T. */
function stack(batches: readonly PackedBatch[]): {
  rows: number;
  seq: number;
  ids: BigInt64Array;
  attention: BigInt64Array;
  completion: BigInt64Array;
} {
  const rows = (batches[0] as PackedBatch).batch;
  const seq = Math.max(...batches.map((b) => b.seq));
  const size = batches.length * rows * seq;
  const ids = new BigInt64Array(size);
  const attention = new BigInt64Array(size);
  const completion = new BigInt64Array(size);
  batches.forEach((b, k) => {
    if (b.batch !== rows)
      throw new TrainConfigError(`batches[${k}].batch`, b.batch, `${rows} rows like batches[0]`);
    for (let r = 0; r < rows; r++) {
      const from = r * b.seq;
      const to = (k * rows + r) * seq;
      ids.set(b.inputIds.subarray(from, from + b.seq), to);
      attention.set(b.attentionMask.subarray(from, from + b.seq), to);
      completion.set(b.completionMask.subarray(from, from + b.seq), to);
    }
  });
  return { rows, seq, ids, attention, completion };
}

/**
 * K optimizer steps per onnxruntime `run()`: the {@link buildFusedTrainSteps} graph opened in a session,
 * with the weights and optimizer state it carries between calls. Same results as K calls of
 * `TrainStepSession.step`, with weights crossing host ↔ device once per call instead of once per step.
 *
 * @example
 * ```ts
 * const fused = await FusedTrainSession.create(model, { loss: "apo_zero" });
 * const results = await fused.run(batches, [2e-7, 1.9e-7, 1.8e-7]); // three steps, one run()
 * ```
 */
export class FusedTrainSession {
  readonly artifact: FusedTrainStepsArtifact;
  readonly weights: Map<string, FloatArray>;
  readonly state: Map<string, FloatArray>;
  steps = 0;
  readonly #session: InferenceSession;
  readonly #shapes: Map<string, readonly number[]>;

  private constructor(
    artifact: FusedTrainStepsArtifact,
    session: InferenceSession,
    pretrained: PretrainedModel,
  ) {
    this.artifact = artifact;
    this.#session = session;
    const initial = initialTrainingState(artifact, pretrained);
    this.weights = initial.weights;
    this.state = initial.state;
    this.#shapes = initial.shapes;
  }

  /** Builds the fused graph of `pretrained` and opens it (weights copied from the model). */
  static async create(
    pretrained: PretrainedModel,
    options: Omit<TrainStepSessionOptions, "accumulationSteps"> = {},
  ): Promise<FusedTrainSession> {
    const artifact = buildFusedTrainSteps(pretrained, options);
    const session = await openTrainingSession(artifact.model, artifact.dtype, options.sessionOptions);
    return new FusedTrainSession(artifact, session, pretrained);
  }

  /** Runs one optimizer step per batch (all with the same number of rows), with learning rates `lrs`. */
  async run(batches: readonly MicroBatch[], lrs: readonly number[]): Promise<TrainStepResult[]> {
    if (batches.length === 0) throw new TrainConfigError("batches", 0, "at least one batch");
    if (lrs.length !== batches.length)
      throw new TrainConfigError("lrs", lrs.length, `${batches.length} learning rates`);
    const { dtype } = this.artifact;
    const k = batches.length;
    const { rows, seq, ids, attention, completion } = stack(batches.map((b) => b.batch));
    const reference = new Float64Array(k * rows);
    batches.forEach((b, i) => {
      if (b.referenceLogp.length !== rows) {
        throw new TrainConfigError(`batches[${i}].referenceLogp`, b.referenceLogp.length, `${rows} values`);
      }
      reference.set(Array.from(b.referenceLogp), i * rows);
    });
    const dims = [k, rows, seq];
    const feeds: Record<string, OrtTensor> = {
      [stackedInputName("input_ids")]: new OrtTensor("int64", ids, dims),
      [stackedInputName("attention_mask")]: new OrtTensor("int64", attention, dims),
      [stackedInputName("completion_mask")]: new OrtTensor("int64", completion, dims),
      [stackedInputName(TRAIN_STEP_IO.referenceLogp)]: floatValues(reference, dtype, [k, rows]),
      [stackedInputName(TRAIN_STEP_IO.lr)]: floatValues(lrs, dtype, [k]),
      [FUSED_STEP_IO.stepBefore]: floatValues([this.steps + 1], dtype, []),
    };
    for (const name of this.artifact.carried) {
      const data = this.weights.get(name) ?? (this.state.get(name) as FloatArray);
      const weight = this.weights.has(name) ? name : name.slice(name.indexOf("/", "state/".length) + 1);
      feeds[initialName(name)] = floatTensor(data, this.#shapes.get(weight) ?? []);
    }
    const out = await this.#session.run(feeds);
    const read = (name: string) => out[name]?.data as FloatArray;
    for (const name of this.artifact.carried) {
      (this.weights.has(name) ? this.weights : this.state).set(name, read(finalName(name)));
    }
    this.steps += k;
    const per = (name: string) => read(collectedName(name));
    const [loss, gradNorm, losses, logp, tokens] = [
      per(TRAIN_STEP_IO.loss),
      per(TRAIN_STEP_IO.gradNorm),
      per(TRAIN_STEP_IO.losses),
      per(TRAIN_STEP_IO.policyLogp),
      per(TRAIN_STEP_IO.tokens),
    ];
    const pairs = rows / 2;
    return batches.map((_, i) => ({
      loss: loss[i] as number,
      gradNorm: gradNorm[i] as number,
      losses: losses.subarray(i * pairs, (i + 1) * pairs),
      policyLogp: logp.subarray(i * rows, (i + 1) * rows),
      tokens: tokens.subarray(i * rows, (i + 1) * rows),
    }));
  }

  /** Release the onnxruntime session. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}
