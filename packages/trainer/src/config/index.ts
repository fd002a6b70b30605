export { UnsupportedConfigError } from "./config-error.js";
export type {
  Gpt2Config,
  LinearRopeScaling,
  Llama3RopeScaling,
  LlamaConfig,
  ModelConfig,
  ModelFamilyName,
  RopeScaling,
} from "./model-config.js";
export { MODEL_TYPES, parseModelConfig } from "./parse-model-config.js";
export { readModelConfig } from "./read-model-config.js";
export { ropeInverseFrequencies } from "./rope-frequencies.js";
