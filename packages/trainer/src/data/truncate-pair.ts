import type { PromptCompletion } from "../logprobs/pack-sequences.js";

/**
 * How sequences are cut. By default as TRL 1.13 does: `maxLength` tokens of prompt + completion per
 * sequence, keeping the start (`truncationMode: "keep_start"`) or the end (`"keep_end"`); a row whose
 * prompt alone has `maxLength` tokens or more is dropped (keep-start only). The paper's cut (prompt's last
 * 512, completion's first 512, section 5.2) is the optional `maxPromptLength` / `maxCompletionLength`,
 * applied first.
 */
export interface Truncation {
  /** Prompt + completion tokens per sequence (TRL's `max_length`, default 1024); null: no limit. */
  readonly maxLength: number | null;
  /** TRL's `truncation_mode`: keep the first (default) or the last `maxLength` tokens. */
  readonly truncationMode: "keep_start" | "keep_end";
  /** The paper's cut: prompt tokens kept, from the end; null (default): none. */
  readonly maxPromptLength: number | null;
  /** The paper's cut: completion tokens kept, from the start; null (default): none. */
  readonly maxCompletionLength: number | null;
}

/** TRL 1.13's defaults (`max_length` 1024, `truncation_mode` keep_start). */
export const TRL_TRUNCATION: Truncation = {
  maxLength: 1024,
  truncationMode: "keep_start",
  maxPromptLength: null,
  maxCompletionLength: null,
};

/** The paper's truncation (section 5.2): 512 prompt and 512 completion tokens. */
export const PAPER_TRUNCATION: Truncation = {
  maxLength: 1024,
  truncationMode: "keep_start",
  maxPromptLength: 512,
  maxCompletionLength: 512,
};

/**
 * Whether TRL drops a row before training: in keep-start mode, when its prompt has at least `maxLength`
 * tokens (after the paper's prompt cut, when set).
 *
 * @example
 * ```ts
 * dropsRow([1, 2, 3], TRL_TRUNCATION); // false
 * ```
 */
export function dropsRow(promptIds: readonly number[], truncation: Truncation): boolean {
  const prompt =
    truncation.maxPromptLength === null
      ? promptIds.length
      : Math.min(promptIds.length, truncation.maxPromptLength);
  return (
    truncation.truncationMode === "keep_start" &&
    truncation.maxLength !== null &&
    prompt >= truncation.maxLength
  );
}

/**
 * Truncate one (prompt, completion) sequence: first the paper's cut when set (the prompt keeps its last
 * `maxPromptLength` tokens, the completion its first `maxCompletionLength`), then prompt + completion to
 * `maxLength` and to the model's `context`, keeping the start or the end as TRL's collator does. Keeping the
 * end may cut into the prompt (or empty it); keeping the start may empty the completion: callers report and
 * drop rows left without completion tokens.
 *
 * @example
 * ```ts
 * truncateSequence({ promptIds: [1, 2, 3], completionIds: [4, 5, 6] }, { ...TRL_TRUNCATION, maxLength: 4 }, 128);
 * // { promptIds: [1, 2, 3], completionIds: [4] }
 * ```
 */
export function truncateSequence(
  row: PromptCompletion,
  truncation: Truncation,
  context: number,
): PromptCompletion {
  let { promptIds, completionIds } = row;
  const { maxPromptLength, maxCompletionLength } = truncation;
  if (maxPromptLength !== null && promptIds.length > maxPromptLength) {
    promptIds = promptIds.slice(promptIds.length - maxPromptLength);
  }
  if (maxCompletionLength !== null && completionIds.length > maxCompletionLength) {
    completionIds = completionIds.slice(0, maxCompletionLength);
  }
  const limit = Math.min(truncation.maxLength ?? Number.POSITIVE_INFINITY, context);
  const excess = promptIds.length + completionIds.length - limit;
  if (excess <= 0) return { promptIds, completionIds };
  if (truncation.truncationMode === "keep_end") {
    const fromPrompt = Math.min(excess, promptIds.length);
    return {
      promptIds: promptIds.slice(fromPrompt),
      completionIds: completionIds.slice(excess - fromPrompt),
    };
  }
  if (promptIds.length >= limit) return { promptIds: promptIds.slice(0, limit), completionIds: [] };
  return { promptIds, completionIds: completionIds.slice(0, limit - promptIds.length) };
}

/** What {@link truncateRow} decides for a row: its truncated sequences, or why it is left out. */
export type TruncatedRow = { readonly shortened: number } & (
  | { readonly sequences: PromptCompletion[] }
  | { readonly skipped: string }
);

/**
 * Truncate the sequences of one row that share a prompt (a pair's chosen and rejected, or one unpaired
 * example), or say why the row is left out: TRL drops it ({@link dropsRow}), or truncation left a
 * sequence without completion tokens or with an empty prompt. `shortened` counts the sequences truncation
 * cut, left-out rows included. Each side is named for the reason (`""` for a lone completion).
 *
 * @example
 * ```ts
 * truncateRow([["chosen", chosen], ["rejected", rejected]], TRL_TRUNCATION, 4096);
 * ```
 */
export function truncateRow(
  sides: readonly (readonly [string, PromptCompletion])[],
  truncation: Truncation,
  context: number,
): TruncatedRow {
  const prompt = sides[0]?.[1].promptIds ?? [];
  if (dropsRow(prompt, truncation)) {
    const skipped = `prompt of ${prompt.length} tokens ≥ max_length ${truncation.maxLength} (TRL drops such rows)`;
    return { skipped, shortened: 0 };
  }
  const sequences = sides.map(([, row]) => truncateSequence(row, truncation, context));
  const length = (r: PromptCompletion) => r.promptIds.length + r.completionIds.length;
  const shortened = sides.filter(
    ([, row], i) => length(row) !== length(sequences[i] as PromptCompletion),
  ).length;
  const empty = sides.filter((_, i) => sequences[i]?.completionIds.length === 0).map(([name]) => name);
  if (empty.length > 0) {
    const named = empty.filter((name) => name !== "").join(" and ");
    return { skipped: `${named === "" ? "" : `${named} `}completion empty after truncation`, shortened };
  }
  if (sequences[0]?.promptIds.length === 0) return { skipped: "empty prompt", shortened };
  return { sequences, shortened };
}
