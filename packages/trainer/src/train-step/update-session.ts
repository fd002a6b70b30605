import type { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import type { FloatType } from "../models/model-family.js";
import { openTrainingSession } from "./open-session.js";
import type { OptimizerDefinition } from "./optimizers/optimizer-definition.js";
import { TrainConfigError } from "./train-config-error.js";
import {
  clippedGradName,
  stateInputName,
  TRAIN_STEP_IO,
  updatedStateName,
  updatedWeightName,
} from "./train-step-graph.js";
import { type FloatArray, floatTensor, floatValues } from "./training-state.js";
import { buildUpdateGraph, UPDATE_WEIGHT, type UpdateGraphArtifact } from "./update-graph.js";

/**
 * Elements per run of the update graph (2²⁰: 4 MiB of float32). Bigger weights are updated slice by slice,
 * so onnxruntime's intermediates (a few per slice) stay this small instead of growing to the largest weight
 * (the SmolLM-135M embedding: 28M elements, 113 MB each); the update is elementwise, so slices give the
 * same bits.
 */
export const UPDATE_SLICE = 1 << 20;

/**
 * The caller's session options with the update graph's default beneath them: onnxruntime's intra-op
 * threads do not spin between runs. A step makes a few hundred short runs (one per slice), and threads
 * spinning between them burned CPU that the working ones needed: the SmolLM-135M update took 1.0–1.4 s
 * of CPU without spinning, 1.7–2.0 s with it (2 shared cores). A caller's
 * `extra.session["intra_op.allow_spinning"]` wins.
 * @example updateSessionOptions({}).extra; // { session: { "intra_op.allow_spinning": "0" } }
 */
export function updateSessionOptions(
  sessionOptions: InferenceSession.SessionOptions = {},
): InferenceSession.SessionOptions {
  const session = {
    "intra_op.allow_spinning": "0",
    ...(sessionOptions.extra?.session as Record<string, unknown> | undefined),
  };
  return { ...sessionOptions, extra: { ...sessionOptions.extra, session } };
}

/**
 * The optimizer update of {@link buildUpdateGraph}, opened once and applied in place: the weight, gradient
 * and state arrays are fed as onnxruntime tensors over the same buffers (no copy in), and the results are
 * copied back into the weight and state arrays, so no weight-sized array outlives {@link apply}.
 *
 * @example
 * ```ts
 * const update = await UpdateSession.open(rmsprop, config, "float32");
 * await update.apply(weight, clippedGrad, [squareAvg], 1e-6, 1); // weight and squareAvg updated in place
 * ```
 */
export class UpdateSession {
  readonly artifact: UpdateGraphArtifact;
  readonly #session: InferenceSession;

  private constructor(artifact: UpdateGraphArtifact, session: InferenceSession) {
    this.artifact = artifact;
    this.#session = session;
  }

  /**
   * Builds the update graph and opens it with the training graphs' policy (`openTrainingSession`) and
   * {@link updateSessionOptions} (no spinning between runs).
   */
  static async open<C extends object>(
    optimizer: OptimizerDefinition<C>,
    optimizerConfig: C,
    dtype: FloatType,
    sessionOptions?: InferenceSession.SessionOptions,
  ): Promise<UpdateSession> {
    const artifact = buildUpdateGraph(optimizer, optimizerConfig, dtype);
    const options = updateSessionOptions(sessionOptions);
    return new UpdateSession(artifact, await openTrainingSession(artifact.model, dtype, options));
  }

  /**
   * θ, state ← optimizer(θ, ĝ, state, lr, step), in place, {@link UPDATE_SLICE} elements per run. `state`
   * holds one array per slot, in `artifact.stateSlots` order; every array has the weight's length.
   */
  async apply(
    weight: FloatArray,
    grad: FloatArray,
    state: readonly FloatArray[],
    lr: number,
    step: number,
  ): Promise<void> {
    const { dtype, stateSlots } = this.artifact;
    const n = weight.length;
    if (state.length !== stateSlots.length) {
      throw new TrainConfigError("state", state.length, `one array per slot (${stateSlots.join(", ")})`);
    }
    for (const [field, a] of [["grad", grad] as const, ...state.map((s, k) => [`state[${k}]`, s] as const)]) {
      if (a.length !== n) throw new TrainConfigError(field, a.length, `the weight's ${n} elements`);
    }
    const scalars = {
      [TRAIN_STEP_IO.lr]: floatValues([lr], dtype, []),
      [TRAIN_STEP_IO.step]: floatValues([step], dtype, []),
    };
    for (let start = 0; start < n; start += UPDATE_SLICE) {
      const end = Math.min(n, start + UPDATE_SLICE);
      const slice = (a: FloatArray): OrtTensor => floatTensor(a.subarray(start, end), [end - start]);
      const feeds: Record<string, OrtTensor> = {
        ...scalars,
        [UPDATE_WEIGHT]: slice(weight),
        [clippedGradName(UPDATE_WEIGHT)]: slice(grad),
      };
      stateSlots.forEach((slot, k) => {
        feeds[stateInputName(slot, UPDATE_WEIGHT)] = slice(state[k] as FloatArray);
      });
      const out = await this.#session.run(feeds);
      weight.set(out[updatedWeightName(UPDATE_WEIGHT)]?.data as FloatArray, start);
      stateSlots.forEach((slot, k) => {
        (state[k] as FloatArray).set(out[updatedStateName(slot, UPDATE_WEIGHT)]?.data as FloatArray, start);
      });
    }
  }

  /** Release the onnxruntime session. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}
