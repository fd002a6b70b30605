export { buildDecoderModel, type DecoderModelOptions } from "./build-decoder-model.js";
export { CACHED_FAMILIES, cachedFamilyOf } from "./cached-families.js";
export type { CachedFamily, CachedOutputs } from "./cached-family.js";
export { type CacheDims, type CachedInputs, declareCachedInputs } from "./cached-inputs.js";
export { CompletionRow, type CompletionRowSetup, rowSeed } from "./completion-row.js";
export { type DecodeBatchOptions, type DecodeRow, decodeBatch } from "./decode-batch.js";
export { DECODER_IO } from "./decoder-io.js";
export {
  DecoderSession,
  type DecoderSessionOptions,
  type FloatData,
  type KvCache,
  selectCacheRows,
} from "./decoder-session.js";
export { exportTransformersJs, type TransformersJsExportOptions } from "./export-transformers-js.js";
export { GENERATE_USAGE, generateCommand } from "./generate-command.js";
export { GenerationError, ModelFolderError } from "./generate-errors.js";
export type {
  ChatRequest,
  Completion,
  FinishReason,
  Generation,
  GenerationOptions,
  Generator,
  Prompt,
} from "./generator.js";
export { generationOf, LocalGenerator, type LocalGeneratorOptions } from "./local-generator.js";
export { type OpenGeneratorOptions, openGenerator } from "./open-generator.js";
export {
  DEFAULT_MAX_NEW_TOKENS,
  eosTokenIds,
  promptIds,
  validateGenerationOptions,
} from "./prepare-prompts.js";
export { argmax, maskTopKTopP, type SamplingParams, sampleToken } from "./sample-token.js";
export { CommandLineError } from "./sampling-flags.js";
export { StopText } from "./stop-text.js";
export {
  isTransformersJsFolder,
  TransformersGenerator,
  type TransformersGeneratorOptions,
} from "./transformers-generator.js";
