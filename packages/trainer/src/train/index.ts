export {
  prepareMicroBatch,
  prepareUnpairedMicroBatch,
  stepLogProbs,
  stepUnpairedLogProbs,
} from "../data/micro-batches.js";
export { type MismatchedExamples, mismatchExamples } from "../data/mismatch-pairs.js";
export { countTokens, packPairs } from "../data/pack-pairs.js";
export {
  type PreferenceData,
  readPreferencePairs,
  type SkippedRow,
  type TrainPair,
} from "../data/read-pairs.js";
export { readUnpairedExamples, type UnpairedData, type UnpairedExample } from "../data/read-unpaired.js";
export { type RunData, readRunData, truncationOf } from "../data/run-data.js";
export { splitHeldOut } from "../data/split-held-out.js";
export { TrainDataError } from "../data/train-data-error.js";
export { PAPER_TRUNCATION, type Truncation, truncateSequence } from "../data/truncate-pair.js";
export { checkUnpairedBatching } from "../data/unpaired-batching.js";
export { type PairLogProbs, pairLogProbs } from "../logprobs/pair-log-probs.js";
export { policyLogProbs } from "../logprobs/policy-log-probs.js";
export {
  cachedReferenceLogProbs,
  type ReferenceKeyParts,
  referenceKey,
} from "../logprobs/reference-cache.js";
export { type RunReference, runReferenceLogProbs } from "../logprobs/reference-log-probs.js";
export { weightsDigest } from "../logprobs/weights-digest.js";
export { type EvalMetrics, evaluatePairs } from "../report/evaluate-pairs.js";
export { evaluateUnpaired } from "../report/evaluate-unpaired.js";
export { type ChartSeries, type LineChart, lineChartSvg } from "../report/line-chart-svg.js";
export { MetricsLog } from "../report/metrics-log.js";
export { PLOT_FILES, writeMetricPlots } from "../report/write-plots.js";
export {
  type TinyTrainingSetup,
  writeTinyTrainingSetup,
  writeTinyUnpairedData,
} from "../testing/train-fixtures.js";
export {
  CHECKPOINT_FILES,
  type CheckpointContents,
  findCheckpoint,
  type LoadedCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type TrainerState,
  withWeights,
} from "./checkpoint.js";
export { ExecutionProviderError, explainProviderFailure } from "./execution-provider-error.js";
export { resolveLossDefinition } from "./loss-definition.js";
export { type LinearSchedule, learningRateAt } from "./lr-schedule.js";
export { optimizerStep, type PreparedMicroBatch } from "./optimizer-step.js";
export { Progress, type ProgressOptions, type StepReport } from "./progress.js";
export { resolveTrainConfig } from "./resolve-train-config.js";
export { type TrainSummary, train } from "./train.js";
export { parseTrainArgs, TRAIN_USAGE, trainCommand } from "./train-command.js";
export { paperPreset, TRAIN_DEFAULTS, type TrainConfig, type TrainOptions } from "./train-options.js";
export { TrainRng } from "./train-rng.js";
export { UnsupportedTrainLossError } from "./unsupported-train-loss-error.js";
