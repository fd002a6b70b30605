import { regExpTokens, type Tokenizer, WORD_PATTERN } from "./tokenize.js";

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

// Whitespace tokens are interned without building substrings: both texts are encoded to UTF-8 into reused
// byte buffers (natively, far faster than reading them with charCodeAt), tokens are found and hashed
// there, and an open-addressing table counts them. A slot is eight int32s in one array, so that a probe
// touches one cache line: [generation stamp, hash, offset (bit 30: in b), length, count in a, count in b,
// unused, unused]. The stamp marks the slots in use by the current call, so nothing is cleared between
// calls. Token boundaries are the same in UTF-8 as in UTF-16: every whitespace character of `\s` has one
// byte sequence, checked by `spaceAt`.
const STRIDE = 8;
let capacity = 0;
let mask = 0;
let slots = new Int32Array(0);
let usedSlots = new Int32Array(0);
let stamp = 0;
let used = 0;
let distinctA = 0;
let distinctB = 0;
let shared = 0;
/** Whether the last scan met U+FFFD, which is also what a lone surrogate encodes to. */
let sawReplacement = false;
let bytesA = new Uint8Array(4096);
let bytesB = new Uint8Array(4096);
const encoder = new TextEncoder();

function allocate(size: number): void {
  capacity = size;
  mask = size - 1;
  slots = new Int32Array(size * STRIDE);
  usedSlots = new Int32Array((size >>> 1) + 1);
  stamp = 0;
}

function grow(): void {
  const old = slots;
  const oldUsed = usedSlots;
  const count = used;
  allocate(capacity * 2);
  stamp = 1;
  for (let u = 0; u < count; u++) {
    const from = oldUsed[u]! * STRIDE;
    let slot = old[from + 1]! & mask;
    while (slots[slot * STRIDE] === 1) slot = (slot + 1) & mask;
    const to = slot * STRIDE;
    slots[to] = 1;
    for (let k = 1; k < STRIDE; k++) slots[to + k] = old[from + k]!;
    usedSlots[u] = slot;
  }
}

function whitespaceJaccard(a: string, b: string, multiset: boolean): number {
  if (bytesA.length < a.length * 3) bytesA = new Uint8Array(a.length * 3 + 16);
  if (bytesB.length < b.length * 3) bytesB = new Uint8Array(b.length * 3 + 16);
  const na = encoder.encodeInto(a, bytesA).written;
  const nb = encoder.encodeInto(b, bytesB).written;
  const expected = (na + nb) >>> 2;
  if (capacity < expected || capacity === 0) {
    let size = 1024;
    while (size < expected) size *= 2;
    if (size > capacity) allocate(size);
  }
  if (++stamp > 0x3fffffff) {
    slots.fill(0);
    stamp = 1;
  }
  used = 0;
  distinctA = 0;
  distinctB = 0;
  shared = 0;
  sawReplacement = false;
  scan(bytesA, na, 0);
  scan(bytesB, nb, 1);
  // UTF-8 maps every other string one-to-one, but turns each lone surrogate into U+FFFD (EF BF BD): only
  // when that byte sequence appeared can the byte path have merged two different tokens.
  if (sawReplacement && (!isWellFormed(a) || !isWellFormed(b))) {
    return jaccardOfTokens(
      a.split(WHITESPACE_RUN).filter(nonEmpty),
      b.split(WHITESPACE_RUN).filter(nonEmpty),
      multiset,
    );
  }
  if (distinctA === 0 && distinctB === 0) return 1;
  if (!multiset) return shared / (distinctA + distinctB - shared);
  let low = 0;
  let high = 0;
  for (let u = 0; u < used; u++) {
    const at = usedSlots[u]! * STRIDE;
    const x = slots[at + 4]!;
    const y = slots[at + 5]!;
    low += x < y ? x : y;
    high += x > y ? x : y;
  }
  return low / high;
}

/** Bytes of the UTF-8 whitespace sequence at i (lead byte ≥ 0xC2), or 0. */
function spaceAt(buf: Uint8Array, i: number, n: number): number {
  const c = buf[i]!;
  if (c === 0xc2) return i + 1 < n && buf[i + 1] === 0xa0 ? 2 : 0;
  if (c < 0xe1 || i + 2 >= n) return 0;
  const d = buf[i + 1]!;
  const e = buf[i + 2]!;
  if (c === 0xe2) {
    if (d === 0x80) return e <= 0x8a || e === 0xa8 || e === 0xa9 || e === 0xaf ? 3 : 0;
    return d === 0x81 && e === 0x9f ? 3 : 0;
  }
  if (c === 0xe1) return d === 0x9a && e === 0x80 ? 3 : 0;
  if (c === 0xe3) return d === 0x80 && e === 0x80 ? 3 : 0;
  if (c === 0xef) {
    if (d === 0xbf && e === 0xbd) sawReplacement = true;
    return d === 0xbb && e === 0xbf ? 3 : 0;
  }
  return 0;
}

function scan(buf: Uint8Array, n: number, side: number): void {
  let i = 0;
  while (i < n) {
    let c = buf[i]!;
    if (c <= 32) {
      if (c === 32 || (c >= 9 && c <= 13)) {
        i++;
        continue;
      }
    } else if (c >= 0xc2) {
      const s = spaceAt(buf, i, n);
      if (s > 0) {
        i += s;
        continue;
      }
    }
    const start = i;
    let h = 0x811c9dc5 | 0;
    for (;;) {
      h = Math.imul(h ^ c, 0x01000193);
      if (++i >= n) break;
      c = buf[i]!;
      if (c <= 32) {
        if (c === 32 || (c >= 9 && c <= 13)) break;
      } else if (c >= 0xc2 && spaceAt(buf, i, n) > 0) break;
    }
    intern(buf, side, start, i - start, h ^ (h >>> 15));
  }
}

function intern(buf: Uint8Array, side: number, start: number, length: number, hash: number): void {
  const table = slots;
  const live = stamp;
  let slot = hash & mask;
  for (;;) {
    const at = slot * STRIDE;
    if (table[at] !== live) {
      table[at] = live;
      table[at + 1] = hash;
      table[at + 2] = start | (side << 30);
      table[at + 3] = length;
      table[at + 4] = side === 0 ? 1 : 0;
      table[at + 5] = side;
      if (side === 0) distinctA++;
      else distinctB++;
      usedSlots[used++] = slot;
      if (used * 2 > capacity) grow();
      return;
    }
    if (table[at + 1] === hash && table[at + 3] === length) {
      const where = table[at + 2]!;
      const other = where >>> 30 === 1 ? bytesB : bytesA;
      const from = where & 0x3fffffff;
      let j = 0;
      while (j < length && other[from + j] === buf[start + j]) j++;
      if (j === length) {
        if (side === 0) table[at + 4]!++;
        else if (table[at + 5]!++ === 0) {
          distinctB++;
          if (table[at + 4]! > 0) shared++;
        }
        return;
      }
    }
    slot = (slot + 1) & mask;
  }
}

const WHITESPACE_RUN = /\s+/;

function nonEmpty(token: string): boolean {
  return token.length > 0;
}

function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
