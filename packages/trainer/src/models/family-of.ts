import type { ModelConfig } from "../config/model-config.js";
import { FAMILIES } from "./families/index.js";
import type { ModelFamily } from "./model-family.js";

/**
 * The registered family that builds a config's architecture.
 *
 * @example
 * ```ts
 * familyOf(config).weightSpecs(config, new Set());
 * ```
 */
export function familyOf(config: ModelConfig): ModelFamily<ModelConfig> {
  return FAMILIES[config.family];
}
