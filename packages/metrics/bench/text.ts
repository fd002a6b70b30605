/**
 * Deterministic English-like text and seeded edits, so that benchmark runs are comparable.
 */

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "the of and to a in is that for it as was with be by on not he this are or his from at which but have an " +
  "they you were their one all we can her has there been if more when will would who so no model answer " +
  "data time people into only other new some could these two may first then do any like my now over such " +
  "our man me even most made after also did many before must through back years where much your way well " +
  "down should because each just those how too little state good very make world still own see men work " +
  "long get here between both life being under never day same another know while last might us great old " +
  "year off come since against go came right used take three problem solution function value example " +
  "question result number step following however therefore important information provide response code"
).split(" ");

/** Word picker with Zipf-like weights (rank r has weight 1 / (r + 2)). */
function wordPicker(rand: () => number): () => string {
  const cumulative: number[] = [];
  let total = 0;
  for (let r = 0; r < WORDS.length; r++) {
    total += 1 / (r + 2);
    cumulative.push(total);
  }
  return () => {
    const x = rand() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return WORDS[lo]!;
  };
}

/** English-like text of exactly `length` characters: sentences, commas, paragraphs. */
export function englishLike(length: number, rand: () => number): string {
  const word = wordPicker(rand);
  let out = "";
  while (out.length < length) {
    const count = 6 + Math.floor(rand() * 14);
    let sentence = "";
    for (let i = 0; i < count; i++) {
      let w = word();
      if (i === 0) w = w[0]!.toUpperCase() + w.slice(1);
      sentence += (i === 0 ? "" : " ") + w;
      if (i > 1 && i < count - 2 && rand() < 0.08) sentence += ",";
    }
    sentence += rand() < 0.1 ? "?" : ".";
    out += out.length === 0 ? sentence : (rand() < 0.12 ? "\n\n" : " ") + sentence;
  }
  return out.slice(0, length);
}

/** Word spans of fresh English-like text. */
function fresh(length: number, rand: () => number): string {
  const word = wordPicker(rand);
  let out = "";
  while (out.length < length) out += (out.length ? " " : "") + word();
  return out;
}

/**
 * `base` with seeded span edits (replace, delete or insert a few words) until about
 * (1 − similarity) · length characters were touched. The Levenshtein distance ends up somewhat below that
 * budget, since replaced spans share letters.
 */
export function edited(base: string, similarity: number, rand: () => number): string {
  let text = base;
  let budget = Math.round((1 - similarity) * base.length);
  while (budget > 0) {
    const spanLen = Math.min(budget, 4 + Math.floor(rand() * 40));
    let at = Math.floor(rand() * text.length);
    while (at > 0 && text[at - 1] !== " ") at--;
    const op = rand();
    if (op < 0.5) {
      text = text.slice(0, at) + fresh(spanLen, rand) + text.slice(at + spanLen);
    } else if (op < 0.75) {
      text = text.slice(0, at) + text.slice(at + spanLen);
    } else {
      text = `${text.slice(0, at)}${fresh(spanLen, rand)} ${text.slice(at)}`;
    }
    budget -= spanLen;
  }
  return text;
}

/**
 * A benchmark pair: `similarity` 0 means two unrelated texts of the same length. The strings are flat,
 * like those `JSON.parse` returns for a JSONL file (built by concatenation, they would be ropes, on which
 * every `charCodeAt` is slower).
 */
export function makePair(length: number, similarity: number, seed: number): [string, string] {
  const rand = prng(seed);
  const a = englishLike(length, rand);
  const b = similarity === 0 ? englishLike(length, rand) : edited(a, similarity, rand);
  return [flat(a), flat(b)];
}

function flat(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}
