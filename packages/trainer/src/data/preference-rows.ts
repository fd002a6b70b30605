import { ApoError } from "../errors.js";
import type { PromptCompletion } from "../logprobs/pack-sequences.js";
import type { ChatMessage, ModelTokenizer } from "../tokenizer/model-tokenizer.js";

/**
 * A row of a preference file is malformed (bad JSON, missing field, text row for a model without a
 * tokenizer). `line` is 1-based.
 *
 * @example
 * ```ts
 * throw new DataRowError(3, "missing chosen_ids");
 * ```
 */
export class DataRowError extends ApoError {
  readonly line: number;
  constructor(line: number, message: string, options?: { cause?: unknown }) {
    super("BAD_DATA_ROW", `line ${line}: ${message}`, options);
    this.line = line;
  }
}

/** A preference pair tokenised into (prompt, chosen) and (prompt, rejected) sequences. */
export interface TokenizedPair {
  readonly id?: unknown;
  readonly chosen: PromptCompletion;
  readonly rejected: PromptCompletion;
}

type Json = Record<string, unknown>;

function ids(row: Json, field: string, line: number): number[] {
  const v = row[field];
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) {
    throw new DataRowError(line, `${field} must be an array of integer token ids`);
  }
  return v as number[];
}

function messages(value: unknown, role: string, field: string, line: number): ChatMessage[] {
  if (typeof value === "string") return [{ role, content: value }];
  if (
    Array.isArray(value) &&
    value.every((m) => typeof m?.role === "string" && typeof m?.content === "string")
  ) {
    return value as ChatMessage[];
  }
  throw new DataRowError(line, `${field} must be a string or a list of {role, content} messages`);
}

/**
 * Tokenise a prompt and completion the way TRL does for conversational data: render
 * `prompt + generation prompt` and `prompt + completion` with the chat template; the completion is the
 * rendered text after the prompt's. Without a chat template (plain strings only): the completion is
 * followed by EOS.
 *
 * @example
 * ```ts
 * tokenizeCompletion(tokenizer, "Hi", "Hello!", 1);
 * ```
 */
export function tokenizeCompletion(
  tokenizer: ModelTokenizer,
  prompt: unknown,
  completion: unknown,
  line: number,
  field = "completion",
): PromptCompletion {
  if (!tokenizer.hasChatTemplate && typeof prompt === "string" && typeof completion === "string") {
    const eos = tokenizer.eosTokenId === null ? [] : [tokenizer.eosTokenId];
    return { promptIds: tokenizer.encode(prompt), completionIds: [...tokenizer.encode(completion), ...eos] };
  }
  const promptMessages = messages(prompt, "user", "prompt", line);
  const completionMessages = messages(completion, "assistant", field, line);
  const promptText = tokenizer.applyChatTemplate(promptMessages, { addGenerationPrompt: true });
  const fullText = tokenizer.applyChatTemplate([...promptMessages, ...completionMessages]);
  if (!fullText.startsWith(promptText)) {
    throw new DataRowError(
      line,
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
 * @throws DataRowError naming the line and field
 * @example
 * ```ts
 * parsePreferenceRow({ prompt_ids: [1, 9], chosen_ids: [5, 2], rejected_ids: [6, 2] }, null, 1);
 * ```
 */
export function parsePreferenceRow(
  row: unknown,
  tokenizer: ModelTokenizer | null,
  line: number,
): TokenizedPair {
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    throw new DataRowError(line, "each line must be a JSON object");
  }
  const r = row as Json;
  const id = r.id === undefined ? {} : { id: r.id };
  if ("prompt_ids" in r || "chosen_ids" in r || "rejected_ids" in r) {
    const promptIds = ids(r, "prompt_ids", line);
    return {
      ...id,
      chosen: { promptIds, completionIds: ids(r, "chosen_ids", line) },
      rejected: { promptIds, completionIds: ids(r, "rejected_ids", line) },
    };
  }
  for (const field of ["prompt", "chosen", "rejected"]) {
    if (!(field in r))
      throw new DataRowError(line, `missing "${field}" (or give prompt_ids, chosen_ids, rejected_ids)`);
  }
  if (tokenizer === null) {
    throw new DataRowError(
      line,
      "text rows need a tokenizer.json in the model folder; give token ids instead",
    );
  }
  return {
    ...id,
    chosen: tokenizeCompletion(tokenizer, r.prompt, r.chosen, line, "chosen"),
    rejected: tokenizeCompletion(tokenizer, r.prompt, r.rejected, line, "rejected"),
  };
}

/**
 * Parse JSONL text into rows, skipping blank lines.
 *
 * @throws DataRowError with the line number on invalid JSON
 * @example
 * ```ts
 * parseJsonl('{"a":1}\n\n{"a":2}\n'); // [{ line: 1, value: { a: 1 } }, { line: 3, value: { a: 2 } }]
 * ```
 */
export function parseJsonl(text: string): { line: number; value: unknown }[] {
  const out: { line: number; value: unknown }[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    try {
      out.push({ line: i + 1, value: JSON.parse(raw) });
    } catch (cause) {
      throw new DataRowError(i + 1, "not valid JSON", { cause });
    }
  });
  return out;
}
