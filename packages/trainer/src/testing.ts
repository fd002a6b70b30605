/**
 * `@apo/trainer/testing`: tiny models, data files and oracles for tests and demos that must run anywhere,
 * with no download.
 *
 * @example
 * ```ts
 * import { writeTinyTrainingSetup } from "@apo/trainer/testing";
 * import { train } from "@apo/trainer";
 *
 * const { modelDir, dataFile } = await writeTinyTrainingSetup(dir); // a tiny Llama and 12 pairs
 * await train({ model: modelDir, data: dataFile, out: `${dir}/run`, loss: "apo_zero" });
 * ```
 *
 * @packageDocumentation
 */
export { TINY_DEFAULTS } from "./models/create-tiny-model.js";
export type { TinyDims } from "./models/model-family.js";
export { SeededRandom } from "./models/seeded-random.js";
export { referenceCompletionLogProb, referenceLogSoftmax } from "./reference-forward/reference-log-probs.js";
export {
  type TinyTrainingSetup,
  writeTinyTrainingSetup,
  writeTinyUnpairedData,
} from "./testing/train-fixtures.js";
export {
  createByteLevelTokenizer,
  TINY_CHAT_TEMPLATE,
  type TokenizerFiles,
} from "./tokenizer/byte-level-tokenizer.js";
