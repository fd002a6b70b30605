/**
 * How a text becomes tokens for {@link jaccard}:
 * - `"whitespace"` (default): maximal runs of non-whitespace (`text.split(/\s+/)` without empty strings),
 *   so punctuation stays attached to its word (`"end."` ≠ `"end"`);
 * - `"word"`: runs of Unicode letters, marks, digits and underscores, keeping inner apostrophes
 *   (`don't`); punctuation and symbols are dropped;
 * - a `RegExp`: every match is a token (the `g` flag is added if missing);
 * - a function: whatever it returns, for example a model tokenizer from {@link loadTokenizer}.
 */
export type Tokenizer = "whitespace" | "word" | RegExp | TokenizerFunction;

/** A tokenizer as a function from text to tokens. */
export type TokenizerFunction = (text: string) => Iterable<string>;

const WORD = /[\p{L}\p{M}\p{N}_]+(?:['’][\p{L}\p{M}\p{N}_]+)*/gu;
const WHITESPACE = /\s+/;

/**
 * The tokens of `text` under `tokenizer`, in order, duplicates kept.
 *
 * @example
 * ```ts
 * tokenize("Don't panic, it's fine.", "word"); // ["Don't", "panic", "it's", "fine"]
 * tokenize("Don't panic, it's fine."); // ["Don't", "panic,", "it's", "fine."]
 * ```
 */
export function tokenize(text: string, tokenizer: Tokenizer = "whitespace"): string[] {
  if (tokenizer === "whitespace") return text.split(WHITESPACE).filter((token) => token.length > 0);
  if (tokenizer === "word") return text.match(WORD) ?? [];
  if (tokenizer instanceof RegExp)
    return Array.from(text.matchAll(globalRegExp(tokenizer)), (match) => match[0]);
  return Array.from(tokenizer(text));
}

const globalCache = new WeakMap<RegExp, RegExp>();

/** The same pattern with the `g` flag, which `matchAll` requires. */
export function globalRegExp(pattern: RegExp): RegExp {
  if (pattern.global) return pattern;
  let cached = globalCache.get(pattern);
  if (!cached) {
    cached = new RegExp(pattern.source, `${pattern.flags}g`);
    globalCache.set(pattern, cached);
  }
  return cached;
}

/** Iterates the matches of a global RegExp as strings, without building an array. */
export function* regExpTokens(text: string, pattern: RegExp): Generator<string> {
  for (const match of text.matchAll(globalRegExp(pattern))) yield match[0];
}

/** The `"word"` tokenizer's pattern (global, Unicode). */
export const WORD_PATTERN: RegExp = WORD;
