/** Why a reviser response was not usable. */
export type RevisionFailure = "empty-response" | "no-marker" | "empty-revision";

/**
 * The result of {@link parseRevision}: the revision and the reviser's reasoning, or why there is none.
 *
 * @example
 * ```ts
 * const parsed: ParsedRevision = parseRevision(raw);
 * if (!parsed.ok) console.log(parsed.reason);
 * ```
 */
export type ParsedRevision =
  | { readonly ok: true; readonly revision: string; readonly rationale: string }
  | { readonly ok: false; readonly reason: RevisionFailure; readonly detail: string };

// Markdown that may precede an identifier on its line: headings, quotes, bold/italic, bullets, numbering.
const PREFIX = String.raw`^[ \t]*(?:(?:#{1,6}|>|[*_]{1,3}|[-+]|\d+\.)[ \t]*)*`;
// What may follow it: closing emphasis, a colon, emphasis closed after the colon (`**X:**`).
const SUFFIX = String.raw`[ \t]*(?:[*_]{1,3}(?=[ \t]*:|[ \t]*$))?[ \t]*:?[ \t]*(?:[*_]{1,3}(?=\s|$))?`;

function headingPattern(words: string): RegExp {
  return new RegExp(`${PREFIX}(\\{${words}\\}|${words})${SUFFIX}`, "gim");
}

const CORRECTED_HEADING = headingPattern("corrected[ _]student[ _]solution");
const REASONING_HEADING = headingPattern("teacher[ _]reasoning");
// The authors' notebook markers, in its order of preference (first match wins).
const NOTEBOOK_MARKERS = [
  "**Corrected Student Solution:**",
  "{corrected_student_solution}:",
  "{corrected_student_solution}",
] as const;

interface Heading {
  /** Where the heading's line starts. */
  readonly start: number;
  /** Where the text after the heading starts. */
  readonly end: number;
}

/** Headings that stand on their own: at a line start, braced, or followed by a colon or the line end. */
function headings(text: string, pattern: RegExp): Heading[] {
  const found: Heading[] = [];
  for (const match of text.matchAll(pattern)) {
    const start = match.index;
    const end = start + match[0].length;
    const identifier = match[1] ?? "";
    const braced = identifier.startsWith("{");
    const suffix = match[0].slice(match[0].indexOf(identifier) + identifier.length);
    const lineRest = text.slice(end, nextLineBreak(text, end));
    if (braced || suffix.includes(":") || lineRest.trim() === "") found.push({ start, end });
  }
  return found;
}

function nextLineBreak(text: string, from: number): number {
  const at = text.indexOf("\n", from);
  return at === -1 ? text.length : at;
}

function cleanRationale(text: string): string {
  return text.trim().replace(/^:+/, "").trim();
}

function rationaleBefore(text: string): string {
  const reasoning = headings(text, REASONING_HEADING)[0];
  return cleanRationale(reasoning === undefined ? text : text.slice(reasoning.end));
}

/**
 * Parses a reviser response written for the paper's prompt into the revision (y_w) and the reasoning.
 *
 * Accepts every marker the authors' notebook accepts (`**Corrected Student Solution:**`,
 * `{corrected_student_solution}:`, `{corrected_student_solution}`) and does better where it fails:
 * - markdown around the marker (`**{corrected_student_solution}**:`, `### Corrected Student Solution`) is
 *   removed instead of leaking into the revision;
 * - when the identifier is also mentioned inside the reasoning, the last one that stands as a heading at
 *   the start of a line is used, so the revision is not cut short;
 * - a `{teacher_reasoning}` heading placed after the revision ends it;
 * - no marker, or nothing after it, gives `{ ok: false, reason }` instead of a crash.
 *
 * @example
 * ```ts
 * parseRevision("{teacher_reasoning}: fix the sum\n\n{corrected_student_solution}: 2 + 2 = 4");
 * // { ok: true, revision: "2 + 2 = 4", rationale: "fix the sum" }
 * ```
 */
export function parseRevision(text: string): ParsedRevision {
  if (text.trim() === "") return { ok: false, reason: "empty-response", detail: "the response is empty" };
  const lineHeadings = headings(text, CORRECTED_HEADING);
  let before: string;
  let revision: string;
  const chosen = lineHeadings.at(-1);
  if (chosen !== undefined) {
    before = text.slice(0, chosen.start);
    revision = text.slice(chosen.end);
    const after = headings(revision, REASONING_HEADING)[0];
    if (after !== undefined) {
      const trailing = cleanRationale(revision.slice(after.end));
      revision = revision.slice(0, after.start);
      const leading = rationaleBefore(before);
      return finish(revision, [leading, trailing].filter((part) => part !== "").join("\n\n"));
    }
  } else {
    const marker = NOTEBOOK_MARKERS.find((candidate) => text.includes(candidate));
    if (marker === undefined) {
      return {
        ok: false,
        reason: "no-marker",
        detail: "no {corrected_student_solution} or **Corrected Student Solution:** marker",
      };
    }
    const start = text.indexOf(marker);
    before = text.slice(0, start);
    revision = text.slice(start + marker.length);
    const second = revision.indexOf(marker);
    if (second !== -1) revision = revision.slice(0, second);
  }
  return finish(revision, rationaleBefore(before));
}

function finish(revision: string, rationale: string): ParsedRevision {
  const trimmed = revision.trim().replace(/^:+/, "").trim();
  if (trimmed === "") {
    return { ok: false, reason: "empty-revision", detail: "the marker is followed by no text" };
  }
  return { ok: true, revision: trimmed, rationale };
}
