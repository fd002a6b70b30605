import type { ModelConfig, ModelFamilyName } from "../config/model-config.js";
import type { CachedFamily } from "./cached-family.js";
import { cachedGpt2 } from "./cached-gpt2.js";
import { cachedLlama } from "./cached-llama.js";

/**
 * The cached forward of every model family, by `family` name. Adding a family to `FAMILIES` without an
 * entry here fails to type-check.
 *
 * @example
 * ```ts
 * CACHED_FAMILIES[config.family].cacheDims(config);
 * ```
 */
export const CACHED_FAMILIES = {
  llama: cachedLlama,
  gpt2: cachedGpt2,
} as const satisfies { [K in ModelFamilyName]: CachedFamily<Extract<ModelConfig, { family: K }>> };

/**
 * The cached forward of a config's family.
 *
 * @example
 * ```ts
 * cachedFamilyOf(model.config).cacheDims(model.config);
 * ```
 */
export function cachedFamilyOf(config: ModelConfig): CachedFamily {
  // Each entry is typed for its own config; `config.family` picks the matching one.
  return CACHED_FAMILIES[config.family] as unknown as CachedFamily;
}
