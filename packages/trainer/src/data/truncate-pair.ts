import type { PromptCompletion } from "../logprobs/pack-sequences.js";

/** Token limits of a sequence: the paper truncates prompt and response to 512 tokens each. */
export interface Truncation {
  /** Prompt tokens kept, from the end (TRL's `max_prompt_length`, keep-end). Default 512. */
  readonly maxPromptLength: number;
  /** Completion tokens kept, from the start (TRL's `max_completion_length`). Default 512. */
  readonly maxCompletionLength: number;
}

/** The paper's truncation (section 5.2): 512 prompt and 512 completion tokens. */
export const PAPER_TRUNCATION: Truncation = { maxPromptLength: 512, maxCompletionLength: 512 };

/**
 * Truncate one (prompt, completion) sequence as TRL does: the prompt keeps its last `maxPromptLength`
 * tokens, the completion its first `maxCompletionLength`; then, if the two exceed the model's context,
 * the completion is cut further (and the prompt keeps its last `context` tokens if it alone is too long).
 * The completion may come back empty: callers report and drop such rows.
 *
 * @example
 * ```ts
 * truncateSequence({ promptIds: [1, 2, 3], completionIds: [4, 5, 6] }, { maxPromptLength: 2, maxCompletionLength: 2 }, 128);
 * // { promptIds: [2, 3], completionIds: [4, 5] }
 * ```
 */
export function truncateSequence(
  row: PromptCompletion,
  truncation: Truncation,
  context: number,
): PromptCompletion {
  const keepPrompt = Math.min(truncation.maxPromptLength, context);
  const promptIds =
    row.promptIds.length > keepPrompt
      ? row.promptIds.slice(row.promptIds.length - keepPrompt)
      : row.promptIds;
  const room = Math.min(truncation.maxCompletionLength, context - promptIds.length);
  const completionIds =
    row.completionIds.length > room ? row.completionIds.slice(0, room) : row.completionIds;
  return { promptIds, completionIds };
}
