import type { PromptCompletion } from "../logprobs/pack-sequences.js";
import type { ChatMessage, ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { type RowLocation, TrainDataError } from "./train-data-error.js";

/** A preference pair tokenised into (prompt, chosen) and (prompt, rejected) sequences. */
export interface TokenizedPair {
  readonly id?: unknown;
  readonly chosen: PromptCompletion;
  readonly rejected: PromptCompletion;
}

/**
 * A row's token-id field: an array of integers.
 *
 * @throws TrainDataError naming the location and field otherwise
 * @example
 * ```ts
 * tokenIdsField({ chosen_ids: [5, 2] }, "chosen_ids", { line: 1 }); // [5, 2]
 * ```
 */
export function tokenIdsField(row: Record<string, unknown>, field: string, at: RowLocation): number[] {
  const v = row[field];
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) {
    throw new TrainDataError(at.file, at.line, `${field} must be an array of integer token ids`, { field });
  }
  return v as number[];
}

function messages(value: unknown, role: string, field: string, at: RowLocation): ChatMessage[] {
  if (typeof value === "string") return [{ role, content: value }];
  if (
    Array.isArray(value) &&
    value.every((m) => typeof m?.role === "string" && typeof m?.content === "string")
  ) {
    return value as ChatMessage[];
  }
  throw new TrainDataError(
    at.file,
    at.line,
    `${field} must be a string or a list of {role, content} messages`,
    {
      field,
    },
  );
}

/**
 * Tokenise a prompt and completion the way TRL does for conversational data: render
 * `prompt + generation prompt` and `prompt + completion` with the chat template; the completion is the
 * rendered text after the prompt's. Without a chat template (plain strings only): the completion is
 * followed by EOS.
 *
 * @example
 * ```ts
 * tokenizeCompletion(tokenizer, "Hi", "Hello!", { line: 1 });
 * ```
 */
export function tokenizeCompletion(
  tokenizer: ModelTokenizer,
  prompt: unknown,
  completion: unknown,
  at: RowLocation,
  field = "completion",
): PromptCompletion {
  if (!tokenizer.hasChatTemplate && typeof prompt === "string" && typeof completion === "string") {
    const eos = tokenizer.eosTokenId === null ? [] : [tokenizer.eosTokenId];
    return { promptIds: tokenizer.encode(prompt), completionIds: [...tokenizer.encode(completion), ...eos] };
  }
  const promptMessages = messages(prompt, "user", "prompt", at);
  const completionMessages = messages(completion, "assistant", field, at);
  const promptText = tokenizer.applyChatTemplate(promptMessages, { addGenerationPrompt: true });
  const fullText = tokenizer.applyChatTemplate([...promptMessages, ...completionMessages]);
  if (!fullText.startsWith(promptText)) {
    throw new TrainDataError(
      at.file,
      at.line,
      "the chat template renders the prompt differently with and without the completion; give token ids instead",
    );
  }
  return {
    promptIds: tokenizer.encode(promptText),
    completionIds: tokenizer.encode(fullText.slice(promptText.length)),
  };
}

/**
 * Turn one parsed JSONL row into token sequences: either `prompt_ids`/`chosen_ids`/`rejected_ids`, or
 * `prompt`/`chosen`/`rejected` text (strings or message lists) rendered with the model's chat template.
 *
 * @throws TrainDataError naming the location and field
 * @example
 * ```ts
 * parsePreferenceRow({ prompt_ids: [1, 9], chosen_ids: [5, 2], rejected_ids: [6, 2] }, null, { line: 1 });
 * ```
 */
export function parsePreferenceRow(
  row: unknown,
  tokenizer: ModelTokenizer | null,
  at: RowLocation,
): TokenizedPair {
  const r = jsonObject(row, at);
  const id = r.id === undefined ? {} : { id: r.id };
  if ("prompt_ids" in r || "chosen_ids" in r || "rejected_ids" in r) {
    const promptIds = tokenIdsField(r, "prompt_ids", at);
    return {
      ...id,
      chosen: { promptIds, completionIds: tokenIdsField(r, "chosen_ids", at) },
      rejected: { promptIds, completionIds: tokenIdsField(r, "rejected_ids", at) },
    };
  }
  for (const field of ["prompt", "chosen", "rejected"]) {
    if (!(field in r)) {
      throw new TrainDataError(
        at.file,
        at.line,
        `missing "${field}" (or give prompt_ids, chosen_ids, rejected_ids)`,
        {
          field,
        },
      );
    }
  }
  if (tokenizer === null) throw noTokenizer(at);
  return {
    ...id,
    chosen: tokenizeCompletion(tokenizer, r.prompt, r.chosen, at, "chosen"),
    rejected: tokenizeCompletion(tokenizer, r.prompt, r.rejected, at, "rejected"),
  };
}

/**
 * A JSONL row as an object.
 *
 * @throws TrainDataError naming the location when it is not a JSON object
 * @example
 * ```ts
 * jsonObject({ prompt: "Hi" }, { line: 1 }); // { prompt: "Hi" }
 * ```
 */
export function jsonObject(value: unknown, at: RowLocation): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TrainDataError(at.file, at.line, "each line must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/**
 * The error for a text row when the model has no tokenizer.
 *
 * @example
 * ```ts
 * if (tokenizer === null) throw noTokenizer({ file: "pairs.jsonl", line: 2 });
 * ```
 */
export function noTokenizer(at: RowLocation): TrainDataError {
  return new TrainDataError(
    at.file,
    at.line,
    "text rows need a tokenizer.json in the model folder; give token ids instead",
  );
}
