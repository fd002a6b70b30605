import type { ModelConfig } from "../config/model-config.js";
import { BatchError, SequenceTooLongError } from "../models/model-errors.js";
import type { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { GenerationError } from "./generate-errors.js";
import type { GenerationOptions, Prompt } from "./generator.js";

/** Default token budget of a completion. */
export const DEFAULT_MAX_NEW_TOKENS = 256;

/**
 * Check sampling options, naming the one at fault.
 *
 * @throws GenerationError with code `BAD_SAMPLING` and `field` set
 * @example
 * ```ts
 * validateGenerationOptions({ temperature: -1 }); // throws: temperature must be a number ≥ 0
 * ```
 */
export function validateGenerationOptions(options: GenerationOptions): void {
  const bad = (field: string, rule: string, value: unknown) => {
    throw new GenerationError("BAD_SAMPLING", `${field} must be ${rule}, got ${String(value)}`, field);
  };
  const { temperature, topP, topK, maxNewTokens, seed, stop } = options;
  if (temperature !== undefined && !(Number.isFinite(temperature) && temperature >= 0))
    bad("temperature", "a number ≥ 0", temperature);
  if (topP !== undefined && !(topP > 0 && topP <= 1)) bad("topP", "a number in (0, 1]", topP);
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 0)) bad("topK", "an integer ≥ 0", topK);
  if (maxNewTokens !== undefined && !(Number.isInteger(maxNewTokens) && maxNewTokens >= 1))
    bad("maxNewTokens", "an integer ≥ 1", maxNewTokens);
  if (seed !== undefined && !Number.isSafeInteger(seed)) bad("seed", "an integer", seed);
  if (stop?.some((s) => typeof s !== "string")) bad("stop", "a list of strings", stop);
}

/**
 * Token ids of a prompt: text tokenized as is, a conversation through the chat template with a
 * generation prompt, ids checked against the vocabulary and the context.
 *
 * @throws GenerationError (no tokenizer or chat template, empty prompt), BatchError, SequenceTooLongError
 * @example
 * ```ts
 * promptIds([{ role: "user", content: "Hi" }], model.config, model.tokenizer);
 * ```
 */
export function promptIds(prompt: Prompt, config: ModelConfig, tokenizer: ModelTokenizer | null): number[] {
  let ids: number[];
  if (typeof prompt === "object" && "ids" in prompt) {
    ids = [...prompt.ids];
  } else {
    if (tokenizer === null) {
      throw new GenerationError(
        "NO_TOKENIZER",
        "the model has no tokenizer.json: give prompts as { ids: [...] }",
        "prompt",
      );
    }
    if (typeof prompt === "string") {
      ids = tokenizer.encode(prompt);
    } else {
      if (!tokenizer.hasChatTemplate) {
        throw new GenerationError(
          "NO_CHAT_TEMPLATE",
          "the tokenizer has no chat template: give the prompt as text, or add chat_template to tokenizer_config.json",
          "messages",
        );
      }
      ids = tokenizer.encode(tokenizer.applyChatTemplate(prompt, { addGenerationPrompt: true }));
    }
  }
  if (ids.length === 0) throw new GenerationError("EMPTY_PROMPT", "the prompt has no tokens", "prompt");
  const outside = ids.find((id) => !(Number.isInteger(id) && id >= 0 && id < config.vocabSize));
  if (outside !== undefined) {
    throw new BatchError(`prompt token id ${outside} is outside the vocabulary [0, ${config.vocabSize})`);
  }
  // At least one position must be left for the first new token.
  if (ids.length >= config.maxPositions) throw new SequenceTooLongError(ids.length + 1, config.maxPositions);
  return ids;
}

/**
 * Token ids that end a completion: the config's, tokenizer's and `generation_config.json`'s EOS ids.
 *
 * @example
 * ```ts
 * eosTokenIds(model.config, model.tokenizer, [2]); // Set {2}
 * ```
 */
export function eosTokenIds(
  config: ModelConfig,
  tokenizer: ModelTokenizer | null,
  extra: readonly number[] = [],
): Set<number> {
  const ids = new Set(extra);
  if (config.eosTokenId !== null) ids.add(config.eosTokenId);
  if (tokenizer?.eosTokenId != null) ids.add(tokenizer.eosTokenId);
  return ids;
}
