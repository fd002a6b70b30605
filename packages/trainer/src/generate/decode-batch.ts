import type { DecoderSession, FloatData, KvCache } from "./decoder-session.js";
import { selectCacheRows } from "./decoder-session.js";

/** One sequence of a batch being decoded: its prompt, and how it picks each next token. */
export interface DecodeRow {
  readonly promptIds: readonly number[];
  /**
   * Pick the next token from this row's next-token logits (length V). `done: true` ends the row after
   * this token (EOS, a stop sequence, the token budget).
   */
  next(logits: FloatData): { token: number; done: boolean };
}

/** Options of {@link decodeBatch}. */
export interface DecodeBatchOptions {
  /** Token id used for left padding (any valid id: padded positions are masked). */
  readonly padId: number;
  /**
   * `true` (default): key/value cache, each step feeds one token per row. `false`: every step recomputes
   * the whole prefix (the reference the cache is checked against, and the bench's baseline).
   */
  readonly cache?: boolean;
  readonly signal?: AbortSignal;
}

function leftPad(rows: readonly (readonly number[])[], padId: number) {
  const width = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * width).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * width);
  rows.forEach((row, b) => {
    const offset = b * width + width - row.length;
    row.forEach((id, t) => {
      ids[offset + t] = BigInt(id);
      mask[offset + t] = 1n;
    });
  });
  return { ids, mask, width };
}

/**
 * Decode a batch of prompts together until every row is done: prompts are left-padded, fed once
 * (prefill), then each step feeds one new token per unfinished row over the key/value cache. Rows that
 * finish leave the batch (their cache rows are dropped).
 *
 * ```text
 * prefill: logits, cache ← f(prompts [B, T₀], ∅);   step: logits, cache ← f(tokens [B', 1], cache)
 * ```
 *
 * @example
 * ```ts
 * const out: number[] = [];
 * await decodeBatch(session, [{ promptIds: [1, 72], next: (l) => { out.push(argmax(l)); return { token: argmax(l), done: out.length === 8 }; } }], { padId: 0 });
 * ```
 */
export async function decodeBatch(
  session: DecoderSession,
  rows: readonly DecodeRow[],
  options: DecodeBatchOptions,
): Promise<void> {
  if (rows.length === 0) return;
  const vocab = session.vocabSize;
  const sequences = rows.map((r) => [...r.promptIds]);
  let active = rows.map((_, i) => i);
  const useCache = options.cache ?? true;
  let { ids, mask, width } = leftPad(sequences, options.padId);
  let cache: KvCache = session.emptyCache(rows.length);
  let fresh = width;
  for (;;) {
    options.signal?.throwIfAborted();
    // Each cache is fed once, so the session may write the next one into the arrays it recycles.
    const out = await session.forward(ids, mask, active.length, fresh, cache, { recycle: useCache });
    const keep: number[] = [];
    const tokens: number[] = [];
    active.forEach((r, i) => {
      const { token, done } = rows[r]!.next(out.logits.subarray(i * vocab, (i + 1) * vocab));
      sequences[r]!.push(token);
      if (!done) {
        keep.push(i);
        tokens.push(token);
      }
    });
    if (keep.length === 0) return;
    const previous = active;
    active = keep.map((i) => previous[i]!);
    if (!useCache) {
      ({ ids, mask, width } = leftPad(
        active.map((r) => sequences[r]!),
        options.padId,
      ));
      fresh = width;
      continue;
    }
    const length = out.cache.length;
    cache = keep.length === previous.length ? out.cache : selectCacheRows(out.cache, keep);
    const grown = new BigInt64Array(keep.length * (length + 1));
    keep.forEach((i, b) => {
      grown.set(mask.subarray(i * length, (i + 1) * length), b * (length + 1));
      grown[b * (length + 1) + length] = 1n;
    });
    mask = grown;
    ids = BigInt64Array.from(tokens, (t) => BigInt(t));
    fresh = 1;
  }
}
