import { WhitespaceTokenTable } from "./internal/whitespace-token-table.js";
import { regExpTokens, type Tokenizer, tokenize, WORD_PATTERN } from "./tokenize.js";

/** Options of {@link jaccard}. */
export interface JaccardOptions {
  /** How texts become tokens; `"whitespace"` by default. See {@link Tokenizer}. */
  tokenizer?: Tokenizer;
  /**
   * Compare multisets: Σ min(countA, countB) / Σ max(countA, countB) over tokens, so a repeated token
   * counts as often as it occurs. Default false (sets, as in the paper).
   */
  multiset?: boolean;
  /** Default true. When false both texts are lower-cased (`toLowerCase`) before tokenizing. */
  caseSensitive?: boolean;
}

/**
 * Jaccard similarity of the token sets of two texts: |A ∩ B| / |A ∪ B|, in [0, 1].
 *
 * ```text
 * J(a, b) = |T(a) ∩ T(b)| / |T(a) ∪ T(b)|          (sets, default)
 * J(a, b) = Σ_t min(#_a t, #_b t) / Σ_t max(#_a t, #_b t)   (multiset: true)
 * J = 1 when both texts have no tokens (two empty answers are identical); 0 when only one has none.
 * ```
 *
 * Case-sensitive, whitespace tokens by default. The CLAIR paper (D'Oosterlinck et al., 2024, section 3,
 * Table 1) reports "token-level" Jaccard ×100 without naming its tokenizer; any tokenizer here gives a
 * number of the same kind, not the paper's digits.
 *
 * @example
 * ```ts
 * jaccard("the cat sat", "the cat ran"); // 2 / 4 = 0.5
 * jaccard("The cat.", "the cat", { tokenizer: "word", caseSensitive: false }); // 1
 * jaccard("a a b", "a b b", { multiset: true }); // (1 + 1) / (2 + 2) = 0.5
 * ```
 */
export function jaccard(a: string, b: string, options?: JaccardOptions): number {
  if (options?.caseSensitive === false) {
    a = a.toLowerCase();
    b = b.toLowerCase();
  }
  const tokenizer = options?.tokenizer ?? "whitespace";
  const multiset = options?.multiset === true;
  if (tokenizer === "whitespace") return whitespaceJaccard(a, b, multiset);
  const pattern = tokenizer === "word" ? WORD_PATTERN : tokenizer instanceof RegExp ? tokenizer : undefined;
  const tokensA = pattern ? regExpTokens(a, pattern) : (tokenizer as (text: string) => Iterable<string>)(a);
  const tokensB = pattern ? regExpTokens(b, pattern) : (tokenizer as (text: string) => Iterable<string>)(b);
  return jaccardOfTokens(tokensA, tokensB, multiset);
}

const countsA = new Map<string, number>();
const countsB = new Map<string, number>();

/**
 * Jaccard similarity of two token sequences (as sets, or as multisets), with the same conventions as
 * {@link jaccard}.
 *
 * @example
 * ```ts
 * jaccardOfTokens(["a", "b"], ["b", "c"]); // 1 / 3
 * ```
 */
export function jaccardOfTokens(a: Iterable<string>, b: Iterable<string>, multiset = false): number {
  countsA.clear();
  countsB.clear();
  try {
    for (const token of a) countsA.set(token, (countsA.get(token) ?? 0) + 1);
    for (const token of b) countsB.set(token, (countsB.get(token) ?? 0) + 1);
    if (countsA.size === 0 && countsB.size === 0) return 1;
    if (!multiset) {
      let shared = 0;
      for (const token of countsB.keys()) if (countsA.has(token)) shared++;
      return shared / (countsA.size + countsB.size - shared);
    }
    let low = 0;
    let high = 0;
    for (const [token, x] of countsA) {
      const y = countsB.get(token) ?? 0;
      low += x < y ? x : y;
      high += x > y ? x : y;
    }
    for (const [token, y] of countsB) if (!countsA.has(token)) high += y;
    return low / high;
  } finally {
    countsA.clear();
    countsB.clear();
  }
}

const table = new WhitespaceTokenTable();

/**
 * The default tokenizer without a string per token: exact, the same as {@link jaccardOfTokens} over
 * `split(/\s+/)`, which remains the path for lone surrogates and texts too long for the byte table.
 */
function whitespaceJaccard(a: string, b: string, multiset: boolean): number {
  if (a.length <= WhitespaceTokenTable.maxLength && b.length <= WhitespaceTokenTable.maxLength) {
    table.reset();
    table.add(a, 0);
    table.add(b, 1);
    // UTF-8 keeps every other string apart, but turns each lone surrogate into U+FFFD: only when that
    // byte sequence appeared can two different tokens have been counted as one.
    if (!table.sawReplacement || (isWellFormed(a) && isWellFormed(b))) return table.similarity(multiset);
  }
  return jaccardOfTokens(tokenize(a), tokenize(b), multiset);
}

function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
