import type { PromptCompletion } from "../logprobs/pack-sequences.js";
import type { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { jsonObject, noTokenizer, tokenIdsField, tokenizeCompletion } from "./preference-rows.js";
import { readJsonl } from "./read-jsonl.js";
import type { SkippedRow } from "./read-pairs.js";
import { type RowLocation, TrainDataError } from "./train-data-error.js";
import { type Truncation, truncateSequence } from "./truncate-pair.js";

/** A tokenised, truncated example of an unpaired (KTO-format) file. */
export interface UnpairedExample {
  /** 1-based line in its file. */
  readonly line: number;
  readonly id?: unknown;
  readonly completion: PromptCompletion;
  /** Desirable (true) or undesirable (false). */
  readonly label: boolean;
}

/** What {@link readUnpairedExamples} returns: the usable examples and the rows it left out. */
export interface UnpairedData {
  readonly file: string;
  readonly examples: UnpairedExample[];
  readonly skipped: SkippedRow[];
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

function parseUnpairedRow(
  value: unknown,
  tokenizer: ModelTokenizer | null,
  at: RowLocation,
): { id?: unknown; completion: PromptCompletion; label: boolean } {
  const r = jsonObject(value, at);
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
  return { ...id, completion: tokenizeCompletion(tokenizer, r.prompt, r.completion, at), label: r.label };
}

/**
 * Read a JSONL file in TRL's unpaired (KTO) format: `prompt`/`completion` as strings or `{role, content}`
 * message lists (rendered with the model's chat template, as for pairs) or `prompt_ids`/`completion_ids`,
 * and a boolean `label` (true: desirable). Every row is tokenised and truncated; rows whose completion is
 * empty after truncation, or whose prompt is empty, come back in `skipped` with their line.
 *
 * @throws TrainDataError naming the file and line of a malformed row, or the file when it cannot be read
 * @example
 * ```ts
 * const { examples, skipped } = await readUnpairedExamples("kto.jsonl", model.tokenizer, PAPER_TRUNCATION, 4096);
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
  for await (const { line, value } of readJsonl(file)) {
    const row = parseUnpairedRow(value, tokenizer, { file, line });
    const completion = truncateSequence(row.completion, truncation, context);
    if (completion.completionIds.length === 0) {
      skipped.push({ line, reason: "completion empty after truncation" });
      continue;
    }
    if (completion.promptIds.length === 0) {
      skipped.push({ line, reason: "empty prompt" });
      continue;
    }
    examples.push({ line, ...(row.id === undefined ? {} : { id: row.id }), completion, label: row.label });
  }
  return { file, examples, skipped };
}
