import type { RejectReason } from "./records.js";

/**
 * Options of the revision filters. The paper rejects revisions that change the answer's length "too much"
 * without a threshold; ours is a design choice: the ratio of the longer to the shorter answer, in code
 * points, must stay at or below `maxLengthRatio`, unless the two differ by at most `lengthSlack` code points
 * (so that a one-word answer may grow into a sentence). With the defaults, 19 of the authors' 20 GPT-4
 * revisions pass; the one rejected (ratio 4.8) answers a different question than the one asked.
 *
 * @example
 * ```ts
 * const strict: FilterOptions = { maxLengthRatio: 1.5, lengthSlack: 0 };
 * ```
 */
export interface FilterOptions {
  /** The largest allowed ratio max(|y_w|, |y_l|) / min(|y_w|, |y_l|); default 3. `Infinity` turns it off (in code). */
  readonly maxLengthRatio?: number | undefined;
  /** An absolute difference in code points that is always allowed; default 100. */
  readonly lengthSlack?: number | undefined;
}

/** The filter defaults (see {@link FilterOptions}). */
export const DEFAULT_FILTERS = {
  maxLengthRatio: 3,
  lengthSlack: 100,
} as const satisfies Required<FilterOptions>;

/**
 * A filter verdict: keep the pair, or reject it with a reason and a detail for the rejects file.
 *
 * @example
 * ```ts
 * const verdict: FilterVerdict = { ok: false, reason: "identical", detail: "..." };
 * ```
 */
export type FilterVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * Checks that both answers are non-empty and differ (after collapsing whitespace): a pair of equal answers
 * carries no preference signal.
 *
 * @example
 * ```ts
 * checkPair("4", " 4 "); // { ok: false, reason: "identical", ... }
 * ```
 */
export function checkPair(chosen: string, rejected: string): FilterVerdict {
  if (chosen.trim() === "")
    return { ok: false, reason: "empty-answer", detail: "the chosen answer is empty" };
  if (rejected.trim() === "")
    return { ok: false, reason: "empty-answer", detail: "the rejected answer is empty" };
  if (normalise(chosen) === normalise(rejected)) {
    return { ok: false, reason: "identical", detail: "chosen and rejected are the same text" };
  }
  return { ok: true };
}

/**
 * Checks a revision against the answer it revises: {@link checkPair}, then the length ratio
 *
 * ```text
 * ratio = max(|y_w|, |y_l|) / min(|y_w|, |y_l|)     (|.| in code points)
 * reject when ratio > maxLengthRatio and ||y_w| - |y_l|| > lengthSlack
 * ```
 *
 * @example
 * ```ts
 * checkRevision("a".repeat(1000), "b".repeat(200)); // { ok: false, reason: "length-ratio", ... }
 * ```
 */
export function checkRevision(
  revision: string,
  original: string,
  options: FilterOptions = {},
): FilterVerdict {
  const pair = checkPair(revision, original);
  if (!pair.ok) return pair;
  const maxRatio = options.maxLengthRatio ?? DEFAULT_FILTERS.maxLengthRatio;
  const slack = options.lengthSlack ?? DEFAULT_FILTERS.lengthSlack;
  const a = codePoints(revision.trim());
  const b = codePoints(original.trim());
  const ratio = Math.max(a, b) / Math.min(a, b);
  if (ratio > maxRatio && Math.abs(a - b) > slack) {
    return {
      ok: false,
      reason: "length-ratio",
      detail: `length changed from ${b} to ${a} code points (ratio ${ratio.toFixed(2)} > ${maxRatio})`,
    };
  }
  return { ok: true };
}
