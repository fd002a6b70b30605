import { readFile } from "node:fs/promises";
import type { PromptCompletion } from "../logprobs/pack-sequences.js";
import type { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { DataRowError, parseJsonl, tokenizeCompletion } from "./preference-rows.js";
import type { SkippedRow } from "./read-pairs.js";
import { TrainDataError } from "./train-data-error.js";
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

function tokenIds(row: Record<string, unknown>, field: string, line: number): number[] {
  const v = row[field];
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) {
    throw new DataRowError(line, `${field} must be an array of integer token ids`);
  }
  return v as number[];
}

function parseUnpairedRow(
  value: unknown,
  tokenizer: ModelTokenizer | null,
  line: number,
): { id?: unknown; completion: PromptCompletion; label: boolean } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DataRowError(line, "each line must be a JSON object");
  }
  const r = value as Record<string, unknown>;
  if (typeof r.label !== "boolean") {
    throw new DataRowError(line, `"label" must be true (desirable) or false (undesirable)`);
  }
  const id = r.id === undefined ? {} : { id: r.id };
  if ("prompt_ids" in r || "completion_ids" in r) {
    const completion = {
      promptIds: tokenIds(r, "prompt_ids", line),
      completionIds: tokenIds(r, "completion_ids", line),
    };
    return { ...id, completion, label: r.label };
  }
  for (const field of ["prompt", "completion"]) {
    if (!(field in r)) {
      throw new DataRowError(line, `missing "${field}" (or give prompt_ids, completion_ids)`);
    }
  }
  if (tokenizer === null) {
    throw new DataRowError(
      line,
      "text rows need a tokenizer.json in the model folder; give token ids instead",
    );
  }
  return { ...id, completion: tokenizeCompletion(tokenizer, r.prompt, r.completion, line), label: r.label };
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
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new TrainDataError(file, 0, `cannot read the file (${String(cause)})`, { cause });
  }
  const examples: UnpairedExample[] = [];
  const skipped: SkippedRow[] = [];
  try {
    for (const { line, value } of parseJsonl(text)) {
      const row = parseUnpairedRow(value, tokenizer, line);
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
  } catch (error) {
    if (error instanceof DataRowError) {
      throw new TrainDataError(file, error.line, error.message.replace(/^line \d+: /, ""), { cause: error });
    }
    throw error;
  }
  return { file, examples, skipped };
}
