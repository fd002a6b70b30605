export { createTinyModel, TINY_DEFAULTS, type TinyModelOptions } from "./create-tiny-model.js";
export { FAMILIES } from "./families/index.js";
export { familyOf } from "./family-of.js";
export { declareForwardInputs, MASKED_SCORE } from "./forward-inputs.js";
export { attention, conv1d, linear, splitHeads } from "./graph-helpers.js";
export { BatchError, MissingWeightError, SequenceTooLongError, WeightMismatchError } from "./model-errors.js";
export type { FloatType, ForwardInputs, ModelFamily, TinyDims, WeightSpec } from "./model-family.js";
export { addModelWeights, type WeightOptions } from "./model-weights.js";
export {
  loadPretrainedModel,
  type PretrainedModel,
  savePretrainedModel,
  validateWeights,
} from "./pretrained-model.js";
export { SeededRandom } from "./seeded-random.js";
