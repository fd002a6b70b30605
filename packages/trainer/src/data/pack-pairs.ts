import { type PackedBatch, packSequences } from "../logprobs/pack-sequences.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import type { TrainPair } from "./read-pairs.js";

/**
 * Pack B preference pairs as the 2B rows the log-prob and training-step graphs take: the chosen
 * sequences of the pairs first, then their rejected sequences, right-padded with the model's pad token.
 *
 * @example
 * ```ts
 * const batch = packPairs(model, pairs.slice(0, 4)); // batch.batch === 8
 * ```
 */
export function packPairs(model: PretrainedModel, pairs: readonly TrainPair[]): PackedBatch {
  const { config, tokenizer } = model;
  const padId = tokenizer?.padTokenId ?? config.eosTokenId ?? 0;
  return packSequences([...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)], {
    padId,
    maxLength: config.maxPositions,
    vocabSize: config.vocabSize,
  });
}

/**
 * Tokens that a packed batch really holds (its attention mask's sum), for throughput.
 *
 * @example
 * ```ts
 * countTokens(packPairs(model, pairs));
 * ```
 */
export function countTokens(batch: PackedBatch): number {
  let n = 0;
  for (const m of batch.attentionMask) n += Number(m);
  return n;
}
