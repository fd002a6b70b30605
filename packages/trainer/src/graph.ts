/**
 * `@apo/trainer/graph`: the ONNX graph toolkit the trainer is built on, a library in its own right.
 *
 * - an in-memory ONNX IR with a {@link GraphBuilder}, protobuf read/write and external data;
 * - reverse-mode autodiff into standard ONNX ops ({@link addGradients}, one rule per op in {@link GRADIENTS})
 *   and finite-difference checking ({@link gradCheck});
 * - the model families' forward graphs, the log-prob graph and the training-step graph (loss, backward,
 *   clipping and optimizer update in one graph), with the optimizers' update rules;
 * - safetensors read/write.
 *
 * @example
 * ```ts
 * import { addGradients, GraphBuilder, makeTensor } from "@apo/trainer/graph";
 *
 * const g = new GraphBuilder();
 * const x = g.input("x", "float32", ["batch", 4]);
 * const w = g.initializer("w", makeTensor(new Float32Array(12), [4, 3]));
 * const loss = g.op("ReduceMean", [g.op("Tanh", [g.op("MatMul", [x, w])])], { keepdims: 0 });
 * const grads = addGradients(g, { loss, wrt: [w] }); // Map { "w" => "grad/w" }
 * ```
 *
 * @packageDocumentation
 */

// Autodiff
export { type GradCheckEntry, type GradCheckOptions, gradCheck } from "./autodiff/grad-check.js";
export { GradContext } from "./autodiff/grad-context.js";
export { addGradients, buildGradientModel, type GradientOptions } from "./autodiff/gradient.js";
export type { GradientRule } from "./autodiff/gradient-rule.js";
export { type DifferentiableOp, GRADIENTS } from "./autodiff/rules/index.js";
// Model families and their graphs
export type {
  Gpt2Config,
  LinearRopeScaling,
  Llama3RopeScaling,
  LlamaConfig,
  RopeScaling,
} from "./config/model-config.js";
export { parseModelConfig } from "./config/parse-model-config.js";
export { ropeInverseFrequencies } from "./config/rope-frequencies.js";
export { GradientError, MissingGradientRuleError, OnnxGraphError } from "./errors.js";
export { buildDecoderModel, type DecoderModelOptions } from "./generate/build-decoder-model.js";
export type { CacheDims, CachedInputs } from "./generate/cached-inputs.js";
export { type DecodeRow, decodeBatch } from "./generate/decode-batch.js";
export { DECODER_IO } from "./generate/decoder-io.js";
export { DecoderSession, type DecoderSessionOptions } from "./generate/decoder-session.js";
export { buildLogProbModel, emitCompletionLogProbs, LOG_PROB_IO } from "./logprobs/build-log-prob-graph.js";
export { FAMILIES } from "./models/families/index.js";
export { familyOf } from "./models/family-of.js";
export { declareForwardInputs } from "./models/forward-inputs.js";
export type {
  CachedForward,
  CachedOutputs,
  FloatType,
  ForwardInputs,
  ModelFamily,
  WeightSpec,
} from "./models/model-family.js";
export { addModelWeights, type WeightOptions } from "./models/model-weights.js";
export { validateWeightDtypes, validateWeights } from "./models/pretrained-model.js";
// ONNX IR
export { type AttributeInput, floatAttr } from "./onnx/attributes.js";
export { DEFAULT_OPSET, GraphBuilder, type GraphBuilderOptions, type OpOptions } from "./onnx/builder.js";
export { isFloatType } from "./onnx/dtype.js";
export { inlineFunctions } from "./onnx/inline-functions.js";
export { readModel, type WriteModelOptions, writeModel } from "./onnx/model-file.js";
export { decodeModel, encodeModel } from "./onnx/protobuf.js";
export { broadcastShapes } from "./onnx/shape-inference.js";
export {
  fullTensor,
  int64Tensor,
  makeTensor,
  scalarTensor,
  sizeOf,
  tensorToNumbers,
} from "./onnx/tensor.js";
export type {
  AttributeValue,
  DataType,
  Dim,
  FunctionDef,
  Graph,
  Model,
  Node,
  OpsetImport,
  Tensor,
  TensorData,
  ValueInfo,
  ValueType,
} from "./onnx/types.js";
// Safetensors
export {
  type ReadCheckpointOptions,
  readCheckpointWeights,
  readShardIndex,
} from "./safetensors/read-checkpoint-weights.js";
export {
  type ReadSafetensorsOptions,
  readSafetensors,
  readSafetensorsFile,
  type SafetensorsDtype,
} from "./safetensors/read-safetensors.js";
export type { FloatSafetensorsDtype } from "./safetensors/safetensors-dtype.js";
export type { WeightData, WeightMap, WeightTensor } from "./safetensors/tensor.js";
export {
  type WriteCheckpointOptions,
  writeCheckpointWeights,
} from "./safetensors/write-checkpoint-weights.js";
export {
  storedDtype,
  type WriteSafetensorsOptions,
  writeSafetensors,
  writeSafetensorsFile,
} from "./safetensors/write-safetensors.js";
export {
  type EmittedPairedLoss,
  type EmittedUnpairedLoss,
  emitPairedLoss,
  emitUnpairedLoss,
} from "./train-step/emit-loss.js";
export { TRAINING_SESSION_DEFAULTS } from "./train-step/open-session.js";
export { type AdamwConfig, adamw } from "./train-step/optimizers/adamw.js";
export {
  defineOptimizer,
  type OptimizerDefinition,
  type OptimizerSlot,
  type OptimizerUpdate,
} from "./train-step/optimizers/optimizer-definition.js";
export { type RmspropConfig, rmsprop } from "./train-step/optimizers/rmsprop.js";
export { type SgdConfig, sgd } from "./train-step/optimizers/sgd.js";
// The training-step graph
export {
  buildTrainStep,
  TRAIN_STEP_IO,
  type TrainStepArtifact,
  type TrainStepOptions,
} from "./train-step/train-step-graph.js";
export { type FloatArray, initialTrainingState, type TrainingState } from "./train-step/training-state.js";
