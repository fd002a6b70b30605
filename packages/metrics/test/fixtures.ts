import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A tiny Hugging Face tokenizer.json: lower-casing, split on words and punctuation, WordPiece over a
 * ten-token vocabulary (so "cats" is "cat" + "##s" and unknown words are "[UNK]").
 */
export const TINY_TOKENIZER = {
  version: "1.0",
  truncation: null,
  padding: null,
  added_tokens: [
    {
      id: 0,
      content: "[UNK]",
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    },
  ],
  normalizer: { type: "Lowercase" },
  pre_tokenizer: { type: "Whitespace" },
  post_processor: null,
  decoder: null,
  model: {
    type: "WordPiece",
    unk_token: "[UNK]",
    continuing_subword_prefix: "##",
    max_input_chars_per_word: 100,
    vocab: { "[UNK]": 0, the: 1, cat: 2, sat: 3, "##s": 4, ".": 5, dog: 6, mat: 7, on: 8, a: 9 },
  },
};

/** A fresh temporary directory. */
export function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), "clair-metrics-"));
}

/** Writes the tiny tokenizer into `dir` and returns its path. */
export function writeTinyTokenizer(dir: string): string {
  const path = join(dir, "tokenizer.json");
  writeFileSync(path, JSON.stringify(TINY_TOKENIZER));
  return path;
}

/** Writes lines (objects are serialized, strings written as they are) as a JSONL file. */
export function writeJsonl(dir: string, name: string, lines: readonly unknown[]): string {
  const path = join(dir, name);
  const text = lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n");
  writeFileSync(path, `${text}\n`);
  return path;
}

/** Deterministic English-ish pairs: a base sentence list and a lightly edited copy. */
export function samplePairs(count: number): { chosen: string; rejected: string }[] {
  const words = ["the", "cat", "sat", "on", "a", "mat", "and", "then", "dog", "ran", "away", "quickly", "😀"];
  const pairs: { chosen: string; rejected: string }[] = [];
  let seed = 11;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = 0; i < count; i++) {
    const rejected = Array.from(
      { length: 20 + Math.floor(rand() * 200) },
      () => words[Math.floor(rand() * words.length)]!,
    );
    const chosen = rejected.map((w) => (rand() < 0.15 ? words[Math.floor(rand() * words.length)]! : w));
    if (rand() < 0.3) chosen.push("extra", "words.");
    pairs.push({ chosen: chosen.join(" "), rejected: rejected.join(" ") });
  }
  return pairs;
}
