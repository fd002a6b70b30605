import type { PromptCompletion } from "../logprobs/pack-sequences.js";
import type { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { parsePreferenceRow } from "./preference-rows.js";
import { readJsonl } from "./read-jsonl.js";
import { type Truncation, truncateSequence } from "./truncate-pair.js";

/** A tokenised, truncated preference pair of a training or evaluation file. */
export interface TrainPair {
  /** 1-based line in its file. */
  readonly line: number;
  readonly id?: unknown;
  readonly chosen: PromptCompletion;
  readonly rejected: PromptCompletion;
}

/** A row left out of training, with why. */
export interface SkippedRow {
  readonly line: number;
  readonly reason: string;
}

/** What {@link readPreferencePairs} returns: the usable pairs and the rows it left out. */
export interface PreferenceData {
  readonly file: string;
  readonly pairs: TrainPair[];
  readonly skipped: SkippedRow[];
}

/**
 * Read a JSONL file of preference pairs in TRL's paired format (`prompt`/`chosen`/`rejected` as strings
 * or `{role, content}` message lists, rendered with the model's chat template; or `prompt_ids`/`chosen_ids`/
 * `rejected_ids`), tokenise and truncate every row. Rows whose chosen or rejected completion is empty after
 * truncation are not trained on (their log-prob would be 0 and length-normalised losses NaN): they come
 * back in `skipped` with their line.
 *
 * @throws TrainDataError naming the file and line of a malformed row, or the file when it cannot be read
 * @example
 * ```ts
 * const { pairs, skipped } = await readPreferencePairs("pairs.jsonl", model.tokenizer, PAPER_TRUNCATION, 4096);
 * ```
 */
export async function readPreferencePairs(
  file: string,
  tokenizer: ModelTokenizer | null,
  truncation: Truncation,
  context: number,
): Promise<PreferenceData> {
  const pairs: TrainPair[] = [];
  const skipped: SkippedRow[] = [];
  for await (const { line, value } of readJsonl(file)) {
    const row = parsePreferenceRow(value, tokenizer, { file, line });
    const chosen = truncateSequence(row.chosen, truncation, context);
    const rejected = truncateSequence(row.rejected, truncation, context);
    const empty = [
      chosen.completionIds.length === 0 ? "chosen" : "",
      rejected.completionIds.length === 0 ? "rejected" : "",
    ]
      .filter((s) => s !== "")
      .join(" and ");
    if (empty !== "") {
      skipped.push({ line, reason: `${empty} completion empty after truncation` });
      continue;
    }
    if (chosen.promptIds.length === 0) {
      skipped.push({ line, reason: "empty prompt" });
      continue;
    }
    pairs.push({ line, ...(row.id === undefined ? {} : { id: row.id }), chosen, rejected });
  }
  return { file, pairs, skipped };
}
