import { DEFAULT_MAX_LINE_BYTES, type ReadJsonlOptions } from "./read-jsonl.js";
import type { Truncation } from "./truncate-pair.js";

/** Bytes of a row allowed per token a sequence may keep, before a tokenising reader refuses the row. */
export const ROW_BYTES_PER_TOKEN = 1024;

/** The smallest row limit, whatever the token limit: 1 MiB. */
export const MIN_ROW_BYTES = 2 ** 20;

/**
 * The line limit of a reader that tokenises its rows: {@link ROW_BYTES_PER_TOKEN} bytes per token a
 * sequence may keep (`maxLength`, bounded by the model's `context`), at least 1 MiB and at most the
 * reader's default (64 MiB). TRL tokenises every row whole before truncating it; a row over this size
 * would be tokenised whole (about 15 bytes of memory per byte of text) only for truncation to keep well
 * under a thousandth of it, so it is refused with its file and line instead of silently cut differently.
 * `maxLineBytes`, when given, replaces the bound.
 *
 * @example
 * ```ts
 * tokenisedRowLimit(TRL_TRUNCATION, 4096).maxLineBytes; // 1 MiB: 1024 tokens × 1 KiB
 * for await (const row of readJsonl("pairs.jsonl", tokenisedRowLimit(truncation, context))) parse(row);
 * ```
 */
export function tokenisedRowLimit(
  truncation: Truncation,
  context: number,
  maxLineBytes?: number,
): ReadJsonlOptions {
  if (maxLineBytes !== undefined) return { maxLineBytes };
  const tokens = Math.min(truncation.maxLength ?? context, context);
  const bytes = Math.min(DEFAULT_MAX_LINE_BYTES, Math.max(MIN_ROW_BYTES, tokens * ROW_BYTES_PER_TOKEN));
  return {
    maxLineBytes: bytes,
    overLimitHint:
      `rows are tokenised whole before truncation to ${tokens} tokens, so rows over ` +
      `${ROW_BYTES_PER_TOKEN} bytes per token kept (at least ${MIN_ROW_BYTES}) are refused: shorten or ` +
      "split the row, raise the token limit (--max-length), or set maxLineBytes (apo logprobs --max-line-bytes)",
  };
}
