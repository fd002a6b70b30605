import type { InferenceSession } from "onnxruntime-node";
import type { TrainPair } from "../data/read-pairs.js";
import { truncationOf } from "../data/run-data.js";
import { openLoraReferenceSession } from "../lora/lora-reference-session.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { StageProgress } from "../stage-progress.js";
import type { ProgressOptions } from "../train/progress.js";
import type { TrainConfig } from "../train/train-options.js";
import { LogProbSession } from "./log-prob-session.js";
import { type PairLogProbs, pairLogProbs } from "./pair-log-probs.js";
import { cachedReferenceLogProbs, referenceKey } from "./reference-cache.js";
import { type TrainingForward, trainingBatchLogProbs } from "./training-batch-log-probs.js";
import { weightsDigest } from "./weights-digest.js";

/** Reference log-probs of a run's training and held-out pairs, and whether each came from the cache. */
export interface RunReference {
  readonly train: PairLogProbs;
  /** null without held-out pairs. */
  readonly eval: PairLogProbs | null;
  readonly cached: { train: boolean; eval: boolean | null };
}

/**
 * The reference model's log-probs of the training and held-out pairs: read from `config.cacheDir` when a
 * run on the same weights, pairs and truncation computed them, else computed once and cached. The held-out
 * pairs go through the log-prob graph, as the evaluations' policy log-probs do (`policyLogProbs`). The
 * training pairs do too, unless `forward` gives the training loop's forward: then they are computed in its
 * first epoch's micro-batches by the training step's own forward (see {@link trainingBatchLogProbs}), so
 * that they equal the first step's policy log-probs bit for bit, and its batches are part of the cache key.
 * Each session opens only on a cache miss. A pass over 2 s shows its progress (pairs done, rate, ETA) on
 * `progress.stream` (default stderr) unless `progress.stages` is false.
 *
 * @example
 * ```ts
 * const reference = await runReferenceLogProbs(config, model, train, held, {});
 * reference.cached.train; // true on the second run
 * ```
 */
export async function runReferenceLogProbs(
  config: TrainConfig,
  model: PretrainedModel,
  train: readonly TrainPair[],
  held: readonly TrainPair[],
  sessionOptions: InferenceSession.SessionOptions,
  progress: ProgressOptions = {},
  forward?: TrainingForward,
): Promise<RunReference> {
  const digest = weightsDigest(model.weights);
  const keyOf = (pairs: readonly TrainPair[], f?: TrainingForward) =>
    referenceKey({
      weights: digest,
      pairs,
      truncation: truncationOf(config),
      dtype: config.dtype,
      ...(f === undefined ? {} : { forward: f }),
    });
  let session: LogProbSession | null = null;
  let trainingForm: LogProbSession | null = null;
  const compute = (pairs: readonly TrainPair[], set: string, f?: TrainingForward) => async () => {
    const stage = new StageProgress(
      `reference log-probs (${set})`,
      { total: pairs.length, unit: "pairs" },
      { stream: progress.stages === false ? null : progress.stream, live: progress.live },
    );
    try {
      const advance = (n: number) => stage.advance(n);
      let result: PairLogProbs;
      if (f === undefined) {
        session ??= await LogProbSession.create(model, sessionOptions, { dtype: config.dtype });
        result = await pairLogProbs(session, model, pairs, config.microBatchSize, advance);
      } else {
        trainingForm ??= await (f.lora === undefined
          ? LogProbSession.create(model, sessionOptions, {
              dtype: config.dtype,
              trainable: "all",
              expectedSequenceLength: f.expectedSequenceLength,
            })
          : openLoraReferenceSession(model, f.lora, sessionOptions, config.dtype, f.expectedSequenceLength));
        result = await trainingBatchLogProbs(trainingForm, model, pairs, f, advance);
      }
      stage.done();
      return result;
    } finally {
      stage.close();
    }
  };
  try {
    const t = await cachedReferenceLogProbs(
      config.cacheDir,
      keyOf(train, forward),
      compute(train, "training pairs", forward),
    );
    await (trainingForm as LogProbSession | null)?.release();
    trainingForm = null;
    if (held.length === 0) return { train: t.value, eval: null, cached: { train: t.hit, eval: null } };
    const e = await cachedReferenceLogProbs(config.cacheDir, keyOf(held), compute(held, "held-out pairs"));
    return { train: t.value, eval: e.value, cached: { train: t.hit, eval: e.hit } };
  } finally {
    await (session as LogProbSession | null)?.release();
    await (trainingForm as LogProbSession | null)?.release();
  }
}
