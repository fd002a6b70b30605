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
export { type EvalMetrics, evaluatePairs } from "./evaluate-pairs.js";
export { evaluateUnpaired } from "./evaluate-unpaired.js";
export { ExecutionProviderError, explainProviderFailure } from "./execution-provider-error.js";
export { type ChartSeries, type LineChart, lineChartSvg } from "./line-chart-svg.js";
export { resolveLossDefinition } from "./loss-definition.js";
export { type LinearSchedule, learningRateAt } from "./lr-schedule.js";
export { MetricsLog } from "./metrics-log.js";
export {
  prepareMicroBatch,
  prepareUnpairedMicroBatch,
  stepLogProbs,
  stepUnpairedLogProbs,
} from "./micro-batches.js";
export { type MismatchedExamples, mismatchExamples } from "./mismatch-pairs.js";
export { optimizerStep, type PreparedMicroBatch } from "./optimizer-step.js";
export { countTokens, packPairs } from "./pack-pairs.js";
export { type PairLogProbs, pairLogProbs } from "./pair-log-probs.js";
export { policyLogProbs } from "./policy-log-probs.js";
export { Progress, type ProgressOptions, type StepReport } from "./progress.js";
export { type PreferenceData, readPreferencePairs, type SkippedRow, type TrainPair } from "./read-pairs.js";
export { readUnpairedExamples, type UnpairedData, type UnpairedExample } from "./read-unpaired.js";
export { cachedReferenceLogProbs, type ReferenceKeyParts, referenceKey } from "./reference-cache.js";
export { type RunReference, runReferenceLogProbs } from "./reference-log-probs.js";
export { resolveTrainConfig } from "./resolve-train-config.js";
export { type RunData, readRunData, truncationOf } from "./run-data.js";
export { splitHeldOut } from "./split-held-out.js";
export { type TrainSummary, train } from "./train.js";
export { parseTrainArgs, TRAIN_USAGE, trainCommand } from "./train-command.js";
export { TrainDataError } from "./train-data-error.js";
export { type TinyTrainingSetup, writeTinyTrainingSetup, writeTinyUnpairedData } from "./train-fixtures.js";
export { paperPreset, TRAIN_DEFAULTS, type TrainConfig, type TrainOptions } from "./train-options.js";
export { TrainRng } from "./train-rng.js";
export { PAPER_TRUNCATION, type Truncation, truncateSequence } from "./truncate-pair.js";
export { checkUnpairedBatching } from "./unpaired-batching.js";
export { UnsupportedTrainLossError } from "./unsupported-train-loss-error.js";
export { weightsDigest } from "./weights-digest.js";
export { PLOT_FILES, writeMetricPlots } from "./write-plots.js";
