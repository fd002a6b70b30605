export {
  type EmittedPairedLoss,
  type EmittedUnpairedLoss,
  emitPairedLoss,
  emitUnpairedLoss,
  UnsupportedLossError,
} from "./artifacts/emit-loss.js";
export { FusedTrainSession } from "./artifacts/fused-train-session.js";
export {
  buildFusedTrainSteps,
  FUSED_STEP_IO,
  type FusedTrainStepsArtifact,
} from "./artifacts/fused-train-steps.js";
export { GraphLossMath, type LossDtype } from "./artifacts/graph-loss-math.js";
export { type AdamwConfig, adamw } from "./artifacts/optimizers/adamw.js";
export { OPTIMIZERS, type OptimizerName } from "./artifacts/optimizers/index.js";
export {
  defineOptimizer,
  type OptimizerDefinition,
  type OptimizerSlot,
  type OptimizerUpdate,
} from "./artifacts/optimizers/optimizer-definition.js";
export { type RmspropConfig, rmsprop } from "./artifacts/optimizers/rmsprop.js";
export { type SgdConfig, sgd } from "./artifacts/optimizers/sgd.js";
export { TrainConfigError } from "./artifacts/train-config-error.js";
export {
  buildTrainStep,
  TRAIN_STEP_IO,
  type TrainStepArtifact,
  type TrainStepOptions,
} from "./artifacts/train-step-graph.js";
export {
  type MicroBatch,
  type TrainStepResult,
  TrainStepSession,
  type TrainStepSessionOptions,
} from "./artifacts/train-step-session.js";
export { type FloatArray, initialTrainingState, type TrainingState } from "./artifacts/training-state.js";
export {
  addGradients,
  buildGradientModel,
  type DifferentiableOp,
  GRADIENTS,
  type GradCheckEntry,
  type GradCheckOptions,
  GradContext,
  type GradientOptions,
  type GradientRule,
  gradCheck,
} from "./autodiff/index.js";
export {
  type Gpt2Config,
  type LinearRopeScaling,
  type Llama3RopeScaling,
  type LlamaConfig,
  MODEL_TYPES,
  type ModelConfig,
  type ModelFamilyName,
  parseModelConfig,
  type RopeScaling,
  readModelConfig,
  ropeInverseFrequencies,
  UnsupportedConfigError,
} from "./config/index.js";
export { ApoError, GradientError, MissingGradientRuleError, OnnxGraphError } from "./errors.js";
export {
  buildLogProbModel,
  type CompletionLogProb,
  computeLogProbs,
  DataRowError,
  emitCompletionLogProbs,
  LOG_PROB_IO,
  LogProbSession,
  type LogProbSessionOptions,
  type PackedBatch,
  type PreferenceLogProbRow,
  type PromptCompletion,
  packSequences,
  parseJsonl,
  parsePreferenceRow,
  preferenceLogProbs,
  type TokenizedPair,
  tokenizeCompletion,
} from "./logprobs/index.js";
export {
  addModelWeights,
  BatchError,
  createTinyModel,
  declareForwardInputs,
  FAMILIES,
  type ForwardInputs,
  familyOf,
  loadPretrainedModel,
  MissingWeightError,
  type ModelFamily,
  type PretrainedModel,
  SeededRandom,
  SequenceTooLongError,
  savePretrainedModel,
  TINY_DEFAULTS,
  type TinyDims,
  type TinyModelOptions,
  validateWeights,
  WeightMismatchError,
  type WeightOptions,
  type WeightSpec,
} from "./models/index.js";
export {
  type AttributeInput,
  type AttributeValue,
  broadcastShapes,
  type DataType,
  DEFAULT_OPSET,
  type Dim,
  decodeModel,
  encodeModel,
  type FunctionDef,
  floatAttr,
  fullTensor,
  type Graph,
  GraphBuilder,
  type GraphBuilderOptions,
  inlineFunctions,
  int64Tensor,
  isFloatType,
  type Model,
  makeTensor,
  type Node,
  type OpOptions,
  type OpsetImport,
  readModel,
  scalarTensor,
  sizeOf,
  type Tensor,
  type TensorData,
  tensorToNumbers,
  type ValueInfo,
  type ValueType,
  type WriteModelOptions,
  writeModel,
} from "./onnx/index.js";
export {
  bfloat16BitsToNumber,
  float16BitsToNumber,
  readCheckpointWeights,
  readSafetensors,
  readSafetensorsFile,
  type SafetensorsDtype,
  SafetensorsError,
  type WeightData,
  type WeightMap,
  type WeightTensor,
  writeSafetensors,
  writeSafetensorsFile,
} from "./safetensors/index.js";
export {
  type ChatMessage,
  createByteLevelTokenizer,
  ModelTokenizer,
  TINY_CHAT_TEMPLATE,
  TokenizerError,
  type TokenizerFiles,
} from "./tokenizer/index.js";
