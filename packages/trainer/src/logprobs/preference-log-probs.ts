import { parsePreferenceRow } from "../data/preference-rows.js";
import { parseJsonl } from "../data/read-jsonl.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { LogProbSession } from "./log-prob-session.js";

/** One output row of `apo logprobs`. */
export interface PreferenceLogProbRow {
  readonly id?: unknown;
  readonly chosen_logp: number;
  readonly rejected_logp: number;
  readonly chosen_tokens: number;
  readonly rejected_tokens: number;
}

/**
 * Summed completion log-probs of the chosen and rejected responses of every preference pair in a JSONL
 * text (rows of token ids or chat text, see {@link parsePreferenceRow}), in batches of `batchSize` pairs.
 *
 * @example
 * ```ts
 * const rows = await preferenceLogProbs(model, await readFile("pairs.jsonl", "utf8"));
 * rows[0].chosen_logp - rows[0].rejected_logp;
 * ```
 */
export async function preferenceLogProbs(
  model: PretrainedModel,
  jsonl: string,
  options: { batchSize?: number } = {},
): Promise<PreferenceLogProbRow[]> {
  const pairs = parseJsonl(jsonl).map(({ line, value }) =>
    parsePreferenceRow(value, model.tokenizer, { line }),
  );
  const batchSize = options.batchSize ?? 8;
  const session = await LogProbSession.create(model);
  const out: PreferenceLogProbRow[] = [];
  try {
    for (let start = 0; start < pairs.length; start += batchSize) {
      const batch = pairs.slice(start, start + batchSize);
      const results = await session.run(batch.flatMap((p) => [p.chosen, p.rejected]));
      batch.forEach((p, i) => {
        const [c, r] = [results[2 * i]!, results[2 * i + 1]!];
        out.push({
          ...(p.id === undefined ? {} : { id: p.id }),
          chosen_logp: c.logp,
          rejected_logp: r.logp,
          chosen_tokens: c.tokens,
          rejected_tokens: r.tokens,
        });
      });
    }
  } finally {
    await session.release();
  }
  return out;
}
