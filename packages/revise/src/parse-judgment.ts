/** Why a judge response was not usable. */
export type JudgmentFailure = "empty-response" | "no-verdict" | "both-verdicts";

/**
 * The result of {@link parseJudgment}: which answer won and the judge's reasoning, or why there is none.
 *
 * @example
 * ```ts
 * const parsed: ParsedJudgment = parseJudgment("... so the answer is [2]");
 * ```
 */
export type ParsedJudgment =
  | { readonly ok: true; readonly winner: 1 | 2; readonly rationale: string }
  | { readonly ok: false; readonly reason: JudgmentFailure; readonly detail: string };

const VERDICT = /\[\s*([12])\s*\]/g;
const REASONING = /^[ \t#>*_-]*(?:\{teacher[ _]reasoning\}|teacher[ _]reasoning)[ \t*_]*:?[ \t*_]*/im;

/**
 * Parses a judge response written for the paper's prompt, whose answer must contain `[1]` or `[2]`.
 *
 * Exactly one of the two verdicts must appear (any number of times); a response with both (the judge
 * hedged, or quoted the instruction) or neither is rejected, as the paper rejects judgments that break the
 * format. The rationale is the text before the first verdict, after a `{teacher_reasoning}` heading.
 *
 * @example
 * ```ts
 * parseJudgment("{teacher_reasoning}: the second is correct.\n\n[2]");
 * // { ok: true, winner: 2, rationale: "the second is correct." }
 * ```
 */
export function parseJudgment(text: string): ParsedJudgment {
  if (text.trim() === "") return { ok: false, reason: "empty-response", detail: "the response is empty" };
  const seen = new Set<string>();
  let first = -1;
  for (const match of text.matchAll(VERDICT)) {
    seen.add(match[1] ?? "");
    if (first === -1) first = match.index;
  }
  if (seen.size === 0)
    return { ok: false, reason: "no-verdict", detail: "neither [1] nor [2] in the response" };
  if (seen.size > 1)
    return { ok: false, reason: "both-verdicts", detail: "both [1] and [2] in the response" };
  const winner = seen.has("1") ? 1 : 2;
  let before = text.slice(0, first);
  const heading = REASONING.exec(before);
  if (heading !== null) before = before.slice(heading.index + heading[0].length);
  return { ok: true, winner, rationale: before.trim().replace(/^:+/, "").trim() };
}
