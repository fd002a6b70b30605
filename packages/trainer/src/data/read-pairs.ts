import type { PromptCompletion } from "../logprobs/pack-sequences.js";
import type { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { parseAnchor } from "./parse-anchor.js";
import { checkVocabulary, jsonObject, parsePreferenceRow } from "./preference-rows.js";
import { readJsonl } from "./read-jsonl.js";
import { tokenisedRowLimit } from "./row-byte-limit.js";
import { type Truncation, truncateRow } from "./truncate-pair.js";

/** A tokenised, truncated preference pair of a training or evaluation file. */
export interface TrainPair {
  /** 1-based line in its file. */
  readonly line: number;
  readonly id?: unknown;
  readonly chosen: PromptCompletion;
  readonly rejected: PromptCompletion;
  /**
   * The row's `anchor` as a weight in [0, 1] (`"zero"` 0, `"down"` 1), read when the loss uses per-pair
   * anchors (`apo_anchored`); absent otherwise.
   */
  readonly anchor?: number;
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
  /** Sequences (chosen or rejected) that truncation shortened. */
  readonly truncated: number;
}

/**
 * Read a JSONL file of preference pairs in TRL's paired format (`prompt`/`chosen`/`rejected` as strings
 * or `{role, content}` message lists, or without `prompt` in the implicit-prompt form; or
 * `prompt_ids`/`chosen_ids`/`rejected_ids`), tokenise and truncate every row as TRL 1.13 does. Rows TRL
 * drops (a prompt of `maxLength` tokens or more), and rows whose chosen or rejected completion is empty
 * after truncation (their log-prob would be 0 and length-normalised losses NaN), come back in `skipped`
 * with their line; `truncated` counts the sequences truncation shortened. With `anchors`, every row must
 * carry `anchor` (`"zero"`, `"down"` or a number in [0, 1]; see {@link parseAnchor}), kept as
 * `TrainPair.anchor`.
 *
 * @throws TrainDataError naming the file and line of a malformed row (with `anchors`: a missing or invalid
 *   `anchor`, with its value), or the file when it cannot be read
 * @example
 * ```ts
 * const { pairs, skipped } = await readPreferencePairs("pairs.jsonl", model.tokenizer, TRL_TRUNCATION, 4096);
 * ```
 */
export async function readPreferencePairs(
  file: string,
  tokenizer: ModelTokenizer | null,
  truncation: Truncation,
  context: number,
  options: { readonly anchors?: boolean; readonly vocabSize?: number } = {},
): Promise<PreferenceData> {
  const pairs: TrainPair[] = [];
  const skipped: SkippedRow[] = [];
  let truncated = 0;
  for await (const { line, value } of readJsonl(file, tokenisedRowLimit(truncation, context))) {
    const row = parsePreferenceRow(value, tokenizer, { file, line });
    if (options.vocabSize !== undefined) checkVocabulary(row, options.vocabSize, { file, line });
    const anchor =
      options.anchors === true ? parseAnchor(jsonObject(value, { file, line }), { file, line }) : undefined;
    const cut = truncateRow(
      [
        ["chosen", row.chosen],
        ["rejected", row.rejected],
      ],
      truncation,
      context,
    );
    truncated += cut.shortened;
    if ("skipped" in cut) {
      skipped.push({ line, reason: cut.skipped });
      continue;
    }
    const [chosen, rejected] = cut.sequences as [PromptCompletion, PromptCompletion];
    pairs.push({
      line,
      ...(row.id === undefined ? {} : { id: row.id }),
      chosen,
      rejected,
      ...(anchor === undefined ? {} : { anchor }),
    });
  }
  return { file, pairs, skipped, truncated };
}
