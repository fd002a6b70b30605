import type { PromptCompletion } from "../logprobs/pack-sequences.js";
import type { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import {
  jsonObject,
  noTokenizer,
  parsePreferenceRow,
  templateExtras,
  tokenIdsField,
  tokenizeCompletion,
} from "./preference-rows.js";
import { readJsonl } from "./read-jsonl.js";
import type { SkippedRow } from "./read-pairs.js";
import { tokenisedRowLimit } from "./row-byte-limit.js";
import { type RowLocation, TrainDataError } from "./train-data-error.js";
import { type Truncation, truncateRow } from "./truncate-pair.js";

/** A tokenised, truncated example of an unpaired (KTO-format) file. */
export interface UnpairedExample {
  /** 1-based line in its file. */
  readonly line: number;
  readonly id?: unknown;
  readonly completion: PromptCompletion;
  /** Desirable (true) or undesirable (false). */
  readonly label: boolean;
  /**
   * The completion before truncation, when truncation shortened it: as TRL's KTOTrainer, another example's
   * KL sequence (`mismatchExamples`) is that example's prompt plus these ids, truncated on its own.
   */
  readonly fullCompletionIds?: readonly number[];
}

/** What {@link readUnpairedExamples} returns: the usable examples and the rows it left out. */
export interface UnpairedData {
  readonly file: string;
  readonly examples: UnpairedExample[];
  readonly skipped: SkippedRow[];
  /** Examples that truncation shortened. */
  readonly truncated: number;
}

/**
 * The error for an unpaired row whose `label` is not a boolean.
 *
 * @example
 * ```ts
 * if (typeof row.label !== "boolean") throw badLabel({ file: "kto.jsonl", line: 3 });
 * ```
 */
export function badLabel(at: RowLocation): TrainDataError {
  return new TrainDataError(at.file, at.line, `"label" must be true (desirable) or false (undesirable)`, {
    field: "label",
  });
}

type ParsedExample = { id?: unknown; completion: PromptCompletion; label: boolean };

/** A row of a paired file: it becomes two examples (see {@link readUnpairedExamples}). */
const isPairedRow = (r: Record<string, unknown>) => "chosen" in r || "rejected" in r || "chosen_ids" in r;

function parseUnpairedRow(
  r: Record<string, unknown>,
  tokenizer: ModelTokenizer | null,
  at: RowLocation,
): ParsedExample {
  if (typeof r.label !== "boolean") throw badLabel(at);
  const id = r.id === undefined ? {} : { id: r.id };
  if ("prompt_ids" in r || "completion_ids" in r) {
    const completion = {
      promptIds: tokenIdsField(r, "prompt_ids", at),
      completionIds: tokenIdsField(r, "completion_ids", at),
    };
    return { ...id, completion, label: r.label };
  }
  for (const field of ["prompt", "completion"]) {
    if (!(field in r)) {
      throw new TrainDataError(at.file, at.line, `missing "${field}" (or give prompt_ids, completion_ids)`, {
        field,
      });
    }
  }
  if (tokenizer === null) throw noTokenizer(at);
  const completion = tokenizeCompletion(
    tokenizer,
    r.prompt,
    r.completion,
    at,
    "completion",
    templateExtras(r, at),
  );
  return { ...id, completion, label: r.label };
}

/** TRL's `unpair_preference_dataset` works on blocks of this many rows (`datasets.map`'s default batch). */
const UNPAIR_BLOCK = 1000;

/**
 * Read a JSONL file in TRL's unpaired (KTO) format: `prompt`/`completion` as strings or `{role, content}`
 * message lists, or `prompt_ids`/`completion_ids`, and a boolean `label` (true: desirable); tokenised as
 * TRL 1.13 does (see `tokenizeCompletion`). A paired row (`prompt`/`chosen`/`rejected`, implicit prompt or
 * token ids) becomes a desirable and an undesirable example, in the order of TRL's
 * `unpair_preference_dataset`: per block of 1000 paired rows, all their chosen completions, then all their
 * rejected ones. Rows TRL drops (a prompt of `maxLength` tokens or more) and rows whose completion is
 * empty after truncation, or whose prompt is empty, come back in `skipped` with their line.
 *
 * @throws TrainDataError naming the file and line of a malformed row, or the file when it cannot be read
 * @example
 * ```ts
 * const { examples, skipped } = await readUnpairedExamples("kto.jsonl", model.tokenizer, TRL_TRUNCATION, 4096);
 * examples[0]?.label; // true
 * ```
 */
export async function readUnpairedExamples(
  file: string,
  tokenizer: ModelTokenizer | null,
  truncation: Truncation,
  context: number,
): Promise<UnpairedData> {
  const examples: UnpairedExample[] = [];
  const skipped: SkippedRow[] = [];
  let truncated = 0;
  const add = (line: number, row: ParsedExample) => {
    const cut = truncateRow([["", row.completion]], truncation, context);
    truncated += cut.shortened;
    if ("skipped" in cut) {
      skipped.push({ line, reason: cut.skipped });
      return;
    }
    const completion = cut.sequences[0] as PromptCompletion;
    const full = completion.completionIds.length < row.completion.completionIds.length;
    examples.push({
      line,
      ...(row.id === undefined ? {} : { id: row.id }),
      completion,
      label: row.label,
      ...(full ? { fullCompletionIds: row.completion.completionIds } : {}),
    });
  };
  // Paired rows wait for the end of their block of UNPAIR_BLOCK paired rows, as TRL orders them.
  let block: { line: number; row: ReturnType<typeof parsePreferenceRow> }[] = [];
  const flush = () => {
    for (const { line, row } of block) add(line, { ...idOf(row), completion: row.chosen, label: true });
    for (const { line, row } of block) add(line, { ...idOf(row), completion: row.rejected, label: false });
    block = [];
  };
  for await (const { line, value } of readJsonl(file, tokenisedRowLimit(truncation, context))) {
    const at = { file, line };
    const r = jsonObject(value, at);
    if (isPairedRow(r)) {
      block.push({ line, row: parsePreferenceRow(r, tokenizer, at) });
      if (block.length === UNPAIR_BLOCK) flush();
    } else {
      add(line, parseUnpairedRow(r, tokenizer, at));
    }
  }
  flush();
  return { file, examples, skipped, truncated };
}

const idOf = (row: { id?: unknown }) => (row.id === undefined ? {} : { id: row.id });
