import { SeededRandom } from "@apo/trainer/testing";

/**
 * The verifiable toy task: sort a string of digits. A prompt is `"sort 391404:"`, an answer `"013449"`.
 * Verifiable tasks let the demo play the strong model's roles (reviser, judge, stronger model) exactly.
 */
export interface Problem {
  readonly digits: readonly number[];
  readonly prompt: string;
  readonly answer: string;
}

/** Digits per problem. */
export const DIGITS = 6;

/** A seeded uniform generator on [0, 1) (the trainer's): the demo gives the same numbers on every run. */
export function seededRandom(seed: number): () => number {
  const rng = new SeededRandom(seed);
  return () => rng.uniform();
}

/** The problem of sorting these digits. */
export function problem(digits: readonly number[]): Problem {
  return { digits, prompt: `sort ${digits.join("")}:`, answer: [...digits].sort((a, b) => a - b).join("") };
}

/** Distinct random problems, seeded, split into disjoint sets of the requested sizes. */
export function splitProblems(seed: number, sizes: readonly number[]): Problem[][] {
  const rand = seededRandom(seed);
  const seen = new Set<string>();
  return sizes.map((n) => {
    const set: Problem[] = [];
    while (set.length < n) {
      const p = problem(Array.from({ length: DIGITS }, () => Math.floor(rand() * 10)));
      if (seen.has(p.prompt)) continue;
      seen.add(p.prompt);
      set.push(p);
    }
    return set;
  });
}

/** The digits an answer states, in order (separators ignored). */
export function parseAnswer(text: string): string {
  return text.replace(/\D/g, "");
}

/** Whether an answer states the sorted digits. */
export function isCorrect(p: Problem, text: string): boolean {
  return parseAnswer(text) === p.answer;
}

/**
 * How wrong an answer is: 0 when it states the sorted digits, else 1 + the edit distance between the digits
 * it states and the sorted ones. The demo's judge prefers the smaller (a graded judge, as an LLM judge
 * grades two wrong answers too).
 */
export function answerError(p: Problem, text: string): number {
  const got = parseAnswer(text);
  if (got === p.answer) return 0;
  const want = p.answer;
  let row = Array.from({ length: want.length + 1 }, (_, j) => j);
  for (let i = 1; i <= got.length; i++) {
    const next = [i];
    for (let j = 1; j <= want.length; j++) {
      const cost = got[i - 1] === want[j - 1] ? 0 : 1;
      next.push(Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + cost));
    }
    row = next;
  }
  return 1 + (row[want.length] as number);
}

/**
 * The CLAIR reviser's minimal correction: keep the answer as written around its digits and replace only the
 * digit span by the sorted digits. A correct answer comes back unchanged.
 */
export function minimalRevision(p: Problem, text: string): string {
  if (isCorrect(p, text)) return text;
  const first = text.search(/\d/);
  if (first < 0) return `${text}${p.answer}`;
  const last = text.length - [...text].reverse().join("").search(/\d/);
  return text.slice(0, first) + p.answer + text.slice(last);
}

/** The stronger model's answer: correct, written independently and in its own style. */
export function strongerAnswer(p: Problem): string {
  return [...p.answer].join(", ");
}
