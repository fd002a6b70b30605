import type { ModelConfig, ModelFamilyName } from "../../config/model-config.js";
import type { ModelFamily } from "../model-family.js";
import { gpt2 } from "./gpt2.js";
import { llama } from "./llama.js";

/**
 * Every model family, by its `family` name (see `MODEL_TYPES` for the `model_type`s each serves).
 * Adding a family: one file here plus one line below (and its `model_type`s in `MODEL_TYPES`).
 *
 * @example
 * ```ts
 * FAMILIES[config.family].weightSpecs(config, new Set());
 * ```
 */
export const FAMILIES = {
  llama,
  gpt2,
} as const satisfies { [K in ModelFamilyName]: ModelFamily<Extract<ModelConfig, { family: K }>> };
