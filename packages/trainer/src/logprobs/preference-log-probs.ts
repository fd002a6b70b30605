import { parsePreferenceRow } from "../data/preference-rows.js";
import { parseJsonl } from "../data/read-jsonl.js";
import { TRL_TRUNCATION, type Truncation, truncateSequence } from "../data/truncate-pair.js";
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
 * text (rows of token ids or text, tokenised as TRL does, see {@link parsePreferenceRow}), truncated as TRL
 * truncates them (`truncation`, default `max_length` 1024 keeping the start; the model's context bounds it),
 * in batches of `batchSize` pairs. `file` names the source in errors. Rows TRL's trainer would drop (a
 * prompt of `max_length` tokens or more) are still scored: their completions come out with 0 tokens.
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
  options: { batchSize?: number; truncation?: Truncation; file?: string } = {},
): Promise<PreferenceLogProbRow[]> {
  const truncation = options.truncation ?? TRL_TRUNCATION;
  const context = model.config.maxPositions;
  const pairs = parseJsonl(jsonl, options.file).map(({ line, value }) => {
    const row = parsePreferenceRow(value, model.tokenizer, {
      ...(options.file === undefined ? {} : { file: options.file }),
      line,
    });
    return {
      ...row,
      chosen: truncateSequence(row.chosen, truncation, context),
      rejected: truncateSequence(row.rejected, truncation, context),
    };
  });
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
