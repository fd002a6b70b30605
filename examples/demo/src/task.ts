/**
 * The verifiable toy task: add two 2-digit numbers. A prompt is `"23+48="`, an answer is `"71"`.
 * Verifiable tasks let the demo play the strong model's roles (reviser, judge, stronger model) exactly.
 */
export interface Problem {
  readonly a: number;
  readonly b: number;
  readonly prompt: string;
  readonly answer: string;
}

/** A seeded PRNG (mulberry32): the demo gives the same numbers on every run. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The problem a + b. */
export function problem(a: number, b: number): Problem {
  return { a, b, prompt: `${a}+${b}=`, answer: String(a + b) };
}

/** Every 2-digit problem, shuffled by `seed`, split into disjoint sets of the requested sizes. */
export function splitProblems(seed: number, sizes: readonly number[]): Problem[][] {
  const all: Problem[] = [];
  for (let a = 10; a < 100; a++) for (let b = 10; b < 100; b++) all.push(problem(a, b));
  const rand = seededRandom(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j] as Problem, all[i] as Problem];
  }
  const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  return sizes.map((n, i) => all.slice(starts[i], (starts[i] as number) + n));
}

/** The first integer in a text, or null. */
export function parseAnswer(text: string): number | null {
  const match = /\d+/.exec(text);
  return match === null ? null : Number(match[0]);
}

/** Whether an answer text states the right sum. */
export function isCorrect(p: Problem, text: string): boolean {
  return parseAnswer(text) === p.a + p.b;
}

/**
 * The CLAIR reviser's minimal correction: keep the answer as written and replace only the wrong number
 * (or append the right one when there is none). A correct answer comes back unchanged.
 */
export function minimalRevision(p: Problem, text: string): string {
  const match = /\d+/.exec(text);
  if (match === null) return `${text}${p.answer}`;
  return text.slice(0, match.index) + p.answer + text.slice(match.index + match[0].length);
}

/** The stronger model's answer: correct, written independently and in its own style. */
export function strongerAnswer(p: Problem): string {
  return `the sum is ${p.answer}`;
}
