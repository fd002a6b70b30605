import type { PromptCompletion } from "../logprobs/pack-sequences.js";
import type { ChatMessage, ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { extractPrompt } from "./extract-prompt.js";
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

function isMessageList(value: unknown): value is ChatMessage[] {
  return (
    Array.isArray(value) &&
    value.every(
      (m) =>
        typeof m === "object" && m !== null && typeof m.role === "string" && typeof m.content === "string",
    )
  );
}

/** The per-row extras TRL passes to the chat template: `tools` and `chat_template_kwargs`. */
export interface TemplateExtras {
  readonly tools?: unknown;
  readonly variables?: Record<string, unknown>;
}

/**
 * The chat-template extras of a row: its `tools` (a list, or a JSON string of one) and its
 * `chat_template_kwargs` object.
 *
 * @throws TrainDataError naming the field when either has the wrong type
 * @example
 * ```ts
 * templateExtras({ chat_template_kwargs: { enable_thinking: false } }, { line: 1 }); // { variables: { enable_thinking: false } }
 * ```
 */
export function templateExtras(row: Record<string, unknown>, at: RowLocation): TemplateExtras {
  let tools = row.tools;
  if (typeof tools === "string") {
    try {
      tools = JSON.parse(tools);
    } catch (cause) {
      throw new TrainDataError(at.file, at.line, "tools is a string but not JSON", { field: "tools", cause });
    }
  }
  const kwargs = row.chat_template_kwargs;
  if (kwargs !== undefined && kwargs !== null && (typeof kwargs !== "object" || Array.isArray(kwargs))) {
    throw new TrainDataError(at.file, at.line, "chat_template_kwargs must be an object", {
      field: "chat_template_kwargs",
    });
  }
  return {
    ...(tools === undefined || tools === null ? {} : { tools }),
    ...(kwargs === undefined || kwargs === null ? {} : { variables: kwargs as Record<string, unknown> }),
  };
}

/**
 * Tokenise a prompt and completion exactly as TRL 1.13 does (`DPOTrainer`/`KTOTrainer`):
 *
 * - **standard** (both strings; never templated, whatever the tokenizer has): the EOS text is appended
 *   unless the completion already ends with it; `prompt` and `prompt + completion` are each tokenised with
 *   the tokenizer's special tokens (BOS for Llama-style tokenizers); the completion is the second's tokens
 *   after the first's count.
 * - **conversational** (both `{role, content}` lists): `prompt` rendered with the generation prompt and
 *   `prompt + completion` rendered without it, each tokenised without special tokens (the template writes
 *   its own); the completion is again the token suffix. No EOS is added: the template closes the turn.
 *
 * A string on one side and messages on the other is an error (TRL cannot read such rows either).
 *
 * @throws TrainDataError naming the location and field
 * @example
 * ```ts
 * tokenizeCompletion(tokenizer, "Hi", " Hello!", { line: 1 });
 * ```
 */
export function tokenizeCompletion(
  tokenizer: ModelTokenizer,
  prompt: unknown,
  completion: unknown,
  at: RowLocation,
  field = "completion",
  extras: TemplateExtras = {},
): PromptCompletion {
  if (typeof prompt === "string" && typeof completion === "string") {
    const eos = tokenizer.eosToken;
    const text = eos !== null && eos !== "" && !completion.endsWith(eos) ? completion + eos : completion;
    const promptIds = tokenizer.encode(prompt, { addSpecialTokens: true });
    const fullIds = tokenizer.encode(prompt + text, { addSpecialTokens: true });
    return { promptIds, completionIds: fullIds.slice(promptIds.length) };
  }
  if (isMessageList(prompt) && isMessageList(completion)) {
    const options = {
      ...(extras.tools === undefined ? {} : { tools: extras.tools }),
      variables: extras.variables ?? {},
    };
    const promptText = tokenizer.applyChatTemplate(prompt, { ...options, addGenerationPrompt: true });
    const fullText = tokenizer.applyChatTemplate([...prompt, ...completion], options);
    const promptIds = tokenizer.encode(promptText);
    return { promptIds, completionIds: tokenizer.encode(fullText).slice(promptIds.length) };
  }
  const kind = (v: unknown) =>
    typeof v === "string" ? "a string" : isMessageList(v) ? "a message list" : "neither";
  const bad = typeof prompt !== "string" && !isMessageList(prompt) ? "prompt" : field;
  const message =
    kind(prompt) === "neither" || kind(completion) === "neither"
      ? `${bad} must be a string or a list of {role, content} messages`
      : `prompt is ${kind(prompt)} but ${field} is ${kind(completion)}: give both as strings (standard format) or both as message lists (conversational), as TRL requires`;
  throw new TrainDataError(at.file, at.line, message, { field: bad });
}

/**
 * The prompt, chosen and rejected of a preference row: as given, or, when the row has no `prompt`
 * (TRL's implicit-prompt form, like the paper's released datasets), split from `chosen` and `rejected`
 * by {@link extractPrompt}.
 *
 * @throws TrainDataError naming the field that is missing or cannot be split
 * @example
 * ```ts
 * preferenceParts({ chosen: "Q: 2+2? A: 4", rejected: "Q: 2+2? A: 5" }, { line: 1 }); // prompt "Q: 2+2? A:"
 * ```
 */
export function preferenceParts(
  r: Record<string, unknown>,
  at: RowLocation,
): { prompt: unknown; chosen: unknown; rejected: unknown } {
  for (const field of ["chosen", "rejected"]) {
    if (!(field in r)) {
      throw new TrainDataError(
        at.file,
        at.line,
        `missing "${field}" (or give prompt_ids, chosen_ids, rejected_ids)`,
        { field },
      );
    }
  }
  if ("prompt" in r) return { prompt: r.prompt, chosen: r.chosen, rejected: r.rejected };
  const { chosen, rejected } = r;
  const split =
    typeof chosen === "string" && typeof rejected === "string"
      ? extractPrompt(chosen, rejected)
      : isMessageList(chosen) && isMessageList(rejected)
        ? extractPrompt<readonly ChatMessage[]>(chosen, rejected)
        : undefined;
  if (split === undefined) {
    throw new TrainDataError(
      at.file,
      at.line,
      'without "prompt", chosen and rejected must both be strings or both message lists (TRL\'s implicit-prompt form)',
      { field: "prompt" },
    );
  }
  if (split === null) {
    throw new TrainDataError(
      at.file,
      at.line,
      "chosen or rejected is empty: no prompt can be split from them",
      {
        field: "prompt",
      },
    );
  }
  return split;
}

/**
 * Turn one parsed JSONL row into token sequences: either `prompt_ids`/`chosen_ids`/`rejected_ids` (used as
 * given), or `prompt`/`chosen`/`rejected` in TRL's standard or conversational format (or its implicit-prompt
 * form without `prompt`), tokenised as TRL 1.13 does ({@link tokenizeCompletion}).
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
  const parts = preferenceParts(r, at);
  if (tokenizer === null) throw noTokenizer(at);
  const extras = templateExtras(r, at);
  return {
    ...id,
    chosen: tokenizeCompletion(tokenizer, parts.prompt, parts.chosen, at, "chosen", extras),
    rejected: tokenizeCompletion(tokenizer, parts.prompt, parts.rejected, at, "rejected", extras),
  };
}

/**
 * Check that every token id of a tokenised pair is in the model's vocabulary.
 *
 * @throws TrainDataError naming the location, the field and the id
 * @example
 * ```ts
 * checkVocabulary(pair, 259, { file: "pairs.jsonl", line: 3 });
 * ```
 */
export function checkVocabulary(pair: TokenizedPair, vocabSize: number, at: RowLocation): void {
  const fields = [
    ["prompt_ids", pair.chosen.promptIds],
    ["chosen_ids", pair.chosen.completionIds],
    ["rejected_ids", pair.rejected.completionIds],
  ] as const;
  for (const [field, ids] of fields) {
    const bad = ids.find((id) => id < 0 || id >= vocabSize);
    if (bad !== undefined) {
      throw new TrainDataError(
        at.file,
        at.line,
        `${field} has token id ${bad}, outside the model's vocabulary [0, ${vocabSize})`,
        {
          field,
        },
      );
    }
  }
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
