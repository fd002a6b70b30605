import { InferenceSession } from "onnxruntime-node";
import type { FloatType } from "../models/model-family.js";
import { encodeModel } from "../onnx/protobuf.js";
import { withoutUnusedInitializers } from "../onnx/prune-initializers.js";
import { sessionFromTempFile } from "../onnx/session-from-temp-file.js";
import type { Model } from "../onnx/types.js";

/**
 * Session options every training graph gets unless the caller overrides them.
 *
 * - `enableMemPattern: false`: with the memory pattern, onnxruntime lays out each run's intermediates in
 *   one fresh block, and a training step's block (the forward activations kept for the backward, GBs at
 *   batch 8 × 512) was page-faulted in anew on every run: 450k minor faults and about 7 % of the step on
 *   the development machine. Without it the arena reuses its chunks from run to run (about 40 faults).
 *
 * @example
 * ```ts
 * await InferenceSession.create(bytes, { ...TRAINING_SESSION_DEFAULTS });
 * ```
 */
export const TRAINING_SESSION_DEFAULTS: Readonly<InferenceSession.SessionOptions> = {
  enableMemPattern: false,
};

/**
 * onnxruntime's session flag that flushes denormal floats to zero. A training step's backward produces many
 * subnormal float32 values (gradients of saturated softmax and sigmoid entries, tiny products), and x86
 * arithmetic on them is 10–100× slower than on normal numbers: issue 18 measured a Llama step on 8 × 512
 * tokens at 7.5 s with them and 3.4 s flushed. Values below 1.2e-38 contribute nothing a float32 sum can
 * keep, so results are unchanged (the oracle tests run with it).
 */
const FLUSH_DENORMALS = { session: { set_denormal_as_zero: "1" } } as const;

/**
 * Initializer bytes above which {@link openTrainingSession} hands onnxruntime a temporary file with external
 * data instead of the encoded graph (64 MiB: a LoRA step's frozen base weights). From memory, onnxruntime
 * holds the encoded bytes, its parsed copy and its own tensors at once (the SmolLM-135M LoRA step peaked at
 * 1.99 GB while opening); from a file with page-aligned external data it maps the weights (0.85 GB).
 */
export const EXTERNAL_INITIALIZERS_ABOVE = 2 ** 26;

/**
 * Opens a training graph in onnxruntime-node with {@link TRAINING_SESSION_DEFAULTS}. float32 graphs flush
 * denormals to zero (see `FLUSH_DENORMALS`); float64 graphs, used for exact checks, keep them and get only
 * the basic optimisations: the extended fusions (e.g. SiLU → QuickGelu) have float32-only kernels.
 * Constants no node reads are left out (onnxruntime would warn about each; see `withoutUnusedInitializers`).
 * Graphs with more than `externalDataAbove` (default {@link EXTERNAL_INITIALIZERS_ABOVE}) bytes of initializers go through a temporary
 * `model.onnx` + external data folder, removed once the session has opened it.
 */
export async function openTrainingSession(
  model: Model,
  dtype: FloatType,
  sessionOptions: InferenceSession.SessionOptions = {},
  externalDataAbove = EXTERNAL_INITIALIZERS_ABOVE,
): Promise<InferenceSession> {
  const pruned = withoutUnusedInitializers(model);
  const options = trainingSessionOptions(dtype, sessionOptions);
  let bytes = 0;
  for (const t of pruned.graph.initializers.values())
    bytes += (t.data as { byteLength?: number }).byteLength ?? 0;
  if (bytes <= externalDataAbove) return InferenceSession.create(encodeModel(pruned), options);
  // Page-aligned, so that onnxruntime maps the weights instead of reading them into its own buffers.
  return sessionFromTempFile(pruned, options, "apo-train-step-", { align: 4096 });
}

/**
 * The options {@link openTrainingSession} opens a graph of `dtype` with: {@link TRAINING_SESSION_DEFAULTS},
 * then the precision's own (float32: flush denormals; float64: basic optimisations), then the caller's,
 * whose `extra` entries are merged with ours (so `{ extra: { session: { set_denormal_as_zero: "0" } } }`
 * turns the flush off).
 *
 * @example
 * ```ts
 * trainingSessionOptions("float32").extra; // { session: { set_denormal_as_zero: "1" } }
 * ```
 */
export function trainingSessionOptions(
  dtype: FloatType,
  sessionOptions: InferenceSession.SessionOptions = {},
): InferenceSession.SessionOptions {
  const byDtype: InferenceSession.SessionOptions =
    dtype === "float64" ? { graphOptimizationLevel: "basic" } : { extra: FLUSH_DENORMALS };
  const session = {
    ...(byDtype.extra?.session as Record<string, unknown> | undefined),
    ...(sessionOptions.extra?.session as Record<string, unknown> | undefined),
  };
  const extra = {
    ...byDtype.extra,
    ...sessionOptions.extra,
    ...(Object.keys(session).length === 0 ? {} : { session }),
  };
  return {
    ...TRAINING_SESSION_DEFAULTS,
    ...byDtype,
    ...sessionOptions,
    ...(Object.keys(extra).length === 0 ? {} : { extra }),
  };
}
