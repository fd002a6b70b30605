/**
 * `@apo/trainer`: fine-tune causal language models with any `@apo/losses` preference loss on onnxruntime-node.
 *
 * This entry holds what a training script calls: {@link train} and its options, model loading and saving,
 * log-probs, generation, serving and export to TRL, with their option, result and error types. The ONNX graph
 * toolkit (IR, autodiff, training-step graphs) is `@apo/trainer/graph`; tiny models and fixtures for tests are
 * `@apo/trainer/testing`.
 *
 * @packageDocumentation
 */

export { UnsupportedConfigError } from "./config/config-error.js";
export type { ModelConfig, ModelFamilyName } from "./config/model-config.js";
export { MODEL_TYPES } from "./config/parse-model-config.js";
export { readModelConfig } from "./config/read-model-config.js";
// Data
export {
  type PreferenceData,
  readPreferencePairs,
  type SkippedRow,
  type TrainPair,
} from "./data/read-pairs.js";
export { readUnpairedExamples, type UnpairedData, type UnpairedExample } from "./data/read-unpaired.js";
export { TrainDataError } from "./data/train-data-error.js";
export { PAPER_TRUNCATION, TRL_TRUNCATION, type Truncation } from "./data/truncate-pair.js";
// Errors
export { ApoError, type ApoErrorCode } from "./errors.js";
// Export to TRL
export { type ExportTrlOptions, type ExportTrlResult, exportTrl } from "./export/export-trl.js";
export { ExportTrlError } from "./export/export-trl-error.js";
export { parseTrlYaml, type TrlConfig } from "./export/trl-yaml.js";
export type { FloatType } from "./float-type.js";
export {
  exportTransformersJs,
  type TransformersJsExportOptions,
} from "./generate/export-transformers-js.js";
export { GenerationError, ModelFolderError } from "./generate/generate-errors.js";
// Generation and serving
export type {
  ChatRequest,
  Completion,
  FinishReason,
  Generation,
  GenerationOptions,
  Generator,
  Prompt,
} from "./generate/generator.js";
export { LocalGenerator, type LocalGeneratorOptions } from "./generate/local-generator.js";
export { type OpenGeneratorOptions, openGenerator } from "./generate/open-generator.js";
export type { SamplingParams } from "./generate/sample-token.js";
export {
  TransformersGenerator,
  type TransformersGeneratorOptions,
} from "./generate/transformers-generator.js";
export { IoError } from "./io-error.js";
// Log-probs
export {
  type CompletionLogProb,
  computeLogProbs,
  LogProbSession,
  type LogProbSessionOptions,
} from "./logprobs/log-prob-session.js";
export { type PackedBatch, type PromptCompletion, packSequences } from "./logprobs/pack-sequences.js";
export {
  type PreferenceLogProbOptions,
  type PreferenceLogProbRow,
  preferenceLogProbs,
  writePreferenceLogProbs,
} from "./logprobs/preference-log-probs.js";
// LoRA adapters in PEFT's format
export { initLoraWeights } from "./lora/init-lora-weights.js";
export { loadModelWithAdapter } from "./lora/load-with-adapter.js";
export { type LoraConfig, loraAName, loraBName, loraScale } from "./lora/lora-config.js";
export { AdapterError, LoraTargetError } from "./lora/lora-errors.js";
export { LORA_SCALE_INPUT } from "./lora/lora-graph.js";
export { LoraLogProbSession, type LoraLogProbSessionOptions } from "./lora/lora-log-prob-session.js";
export { ALL_LINEAR, type LoraModule, linearModules, loraModules } from "./lora/lora-modules.js";
export { LORA_DEFAULTS, type LoraOption, resolveLoraOption } from "./lora/lora-options.js";
export { adapterWeights, loraPolicyLogProbs } from "./lora/lora-policy-log-probs.js";
export { mergeLoraAdapter } from "./lora/merge-adapter.js";
export {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  type LoadLoraAdapterOptions,
  type LoraAdapter,
  loadLoraAdapter,
  type SaveLoraAdapterOptions,
  saveLoraAdapter,
} from "./lora/peft-adapter.js";
export { createTinyModel, type TinyModelOptions } from "./models/create-tiny-model.js";
export {
  BatchError,
  MissingWeightError,
  SequenceTooLongError,
  WeightMismatchError,
} from "./models/model-errors.js";
// Models and tokenizers
export {
  type LoadPretrainedOptions,
  loadPretrainedModel,
  type PretrainedModel,
  type SavePretrainedOptions,
  savePretrainedModel,
} from "./models/pretrained-model.js";
export { EpochEvalError } from "./report/epoch-eval-error.js";
export {
  type EpochEvalSummary,
  formatEpochEvalReport,
  type MetricTrajectory,
  summariseEpochEvals,
} from "./report/epoch-eval-report.js";
export {
  EPOCH_EVAL_FILES,
  type EpochEvalRow,
  type EpochScorer,
  type EvalEachEpoch,
  readEpochEvals,
  type ScorePendingEpochsOptions,
  scorePendingEpochs,
} from "./report/epoch-evals.js";
export { type EpochScores, epochScoresFromJson, type MetricValue } from "./report/epoch-scores.js";
export type { EvalMetrics } from "./report/evaluate-pairs.js";
export {
  type ChartSeries,
  type LineChart,
  type LineChartGridOptions,
  lineChartSvg,
} from "./report/line-chart-svg.js";
export { NonFiniteWeightError, SafetensorsError, ShardPathError } from "./safetensors/safetensors-error.js";
export {
  PROMPT_CHARS_PER_TOKEN,
  type RunningServer,
  type ServerOptions,
  startServer,
} from "./serve/start-server.js";
export { type ChatMessage, ModelTokenizer } from "./tokenizer/model-tokenizer.js";
export { TokenizerError } from "./tokenizer/tokenizer-error.js";
export { findCheckpoint, loadCheckpoint, type TrainerState } from "./train/checkpoint.js";
export { type DataFileDigest, ResumeDataError, type RunDataDigests } from "./train/data-digest.js";
export { ExecutionProviderError } from "./train/execution-provider-error.js";
export type { ProgressOptions, StepReport } from "./train/progress.js";
// Training
export { type LockHolder, RunLockedError } from "./train/run-lock.js";
export { type TrainSummary, train } from "./train/train.js";
export { paperPreset, TRAIN_DEFAULTS, type TrainConfig, type TrainOptions } from "./train/train-options.js";
export { UnsupportedTrainLossError } from "./train/unsupported-train-loss-error.js";
export { OPTIMIZERS, type OptimizerName } from "./train-step/optimizers/index.js";
export { TrainConfigError } from "./train-step/train-config-error.js";
// A custom loop: one optimizer step at a time on packed batches.
export {
  type MicroBatch,
  type TrainStepResult,
  TrainStepSession,
  type TrainStepSessionOptions,
} from "./train-step/train-step-session.js";
export type { FloatArray } from "./train-step/training-state.js";
