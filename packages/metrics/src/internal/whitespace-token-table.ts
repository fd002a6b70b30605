/**
 * Whitespace tokens (`text.split(/\s+/)` less the empty strings) of two texts, counted in one
 * open-addressing table without building a string per token.
 *
 * Each text is encoded to UTF-8 into a reused byte buffer (natively, much faster than `charCodeAt` in a
 * loop). Token boundaries are the same in UTF-8 as in UTF-16, and so are tokens, except that every lone
 * surrogate becomes U+FFFD: {@link WhitespaceTokenTable.sawReplacement} tells the caller when that could
 * have happened. A token of at most 7 ASCII bytes followed by ASCII whitespace, most tokens of most texts,
 * is delimited and keyed with two word reads and a few bit operations in a loop that calls nothing; others
 * go through a byte-wise slow path. Keys are exact (see `byte-keys.ts`), so no hash collision can merge
 * two tokens.
 */
import { headKey, sameTail, tailKey } from "./byte-keys.js";
import { whitespaceLength } from "./utf8-whitespace.js";

/**
 * A slot is 8 int32s (1 << SLOT_SHIFT), so that a probe touches one cache line: [length (0: empty), key 1,
 * key 2, side << 30 | offset of the first occurrence, count in the first text, count in the second, unused,
 * unused].
 */
const SLOT_SHIFT = 3;
/** Spaces written after each text, so that word reads and `whitespaceLength` stay inside the buffer. */
const PADDING = 16;
/** Offsets must fit in 30 bits; UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const MAX_LENGTH = Math.floor((2 ** 30 - PADDING) / 3);
/** The table starts with 1 << INITIAL_BITS slots and doubles when a quarter are in use (short probes). */
const INITIAL_BITS = 9;
const encoder = new TextEncoder();

/**
 * Bytes 0x21–0x7F are plain: neither whitespace nor part of a longer character. The result has bit 8k + 7
 * set for the first special byte (≤ 0x20 or ≥ 0x80) of the little-endian `word`, at byte k, and 0 when
 * all four are plain; bits above that first one may be set spuriously (borrows), so only it is used.
 */
function specialBytes(word: number): number {
  return ((word - 0x21212121) | word) & 0x80808080;
}

/** Table slot of a key, from the top `bits` bits of a multiplicative hash. */
function slotOf(key1: number, key2: number, length: number, bits: number): number {
  return Math.imul(key1 ^ Math.imul(key2 ^ length, 0x85ebca6b), 0x9e3779b1) >>> (32 - bits);
}

/**
 * Counts the whitespace tokens of two texts (`side` 0 and 1) and gives their Jaccard similarity. Reused
 * from call to call; one instance per thread.
 */
export class WhitespaceTokenTable {
  /** Longest text {@link add} accepts. */
  static readonly maxLength = MAX_LENGTH;
  /** Whether a token held EF BF BD, the UTF-8 of U+FFFD and of every lone surrogate. */
  sawReplacement = false;
  private bits = INITIAL_BITS;
  private slots = new Int32Array((1 << SLOT_SHIFT) << INITIAL_BITS);
  /** Slots in use, in insertion order; at most a quarter of the table. */
  private used = new Int32Array(1 << (INITIAL_BITS - 2));
  private usedCount = 0;
  private readonly bytes = [new Uint8Array(4096), new Uint8Array(4096)];
  private readonly views = [new DataView(this.bytes[0]!.buffer), new DataView(this.bytes[1]!.buffer)];

  /** Forgets the tokens counted so far. */
  reset(): void {
    const slots = this.slots;
    const used = this.used;
    for (let u = 0; u < this.usedCount; u++) slots[used[u]! << SLOT_SHIFT] = 0;
    this.usedCount = 0;
    this.sawReplacement = false;
  }

  /** Counts the tokens of `text` (at most {@link WhitespaceTokenTable.maxLength} code units) on `side`. */
  add(text: string, side: 0 | 1): void {
    if (text.length > MAX_LENGTH) throw new RangeError(`text longer than ${MAX_LENGTH} code units`);
    if (this.bytes[side]!.length < text.length * 3 + PADDING) {
      const bytes = new Uint8Array(text.length * 3 + PADDING);
      this.bytes[side] = bytes;
      this.views[side] = new DataView(bytes.buffer);
    }
    const bytes = this.bytes[side]!;
    const view = this.views[side]!;
    const n = encoder.encodeInto(text, bytes).written;
    bytes.fill(0x20, n, n + PADDING);
    for (let i = this.scan(bytes, view, n, side, 0); i < n; i = this.scan(bytes, view, n, side, i)) {
      if (this.usedCount === this.used.length) this.grow();
      else i = this.step(bytes, view, side, i);
    }
  }

  /**
   * |A ∩ B| / |A ∪ B| of the token sets, or Σ min / Σ max of the counts when `multiset`; 1 when neither
   * text has a token.
   */
  similarity(multiset: boolean): number {
    const slots = this.slots;
    const used = this.used;
    let inA = 0;
    let inB = 0;
    let inBoth = 0;
    let low = 0;
    let high = 0;
    for (let u = 0; u < this.usedCount; u++) {
      const at = used[u]! << SLOT_SHIFT;
      const x = slots[at + 4]!;
      const y = slots[at + 5]!;
      if (x > 0) inA++;
      if (y > 0) inB++;
      if (x > 0 && y > 0) inBoth++;
      low += x < y ? x : y;
      high += x > y ? x : y;
    }
    if (inA === 0 && inB === 0) return 1;
    return multiset ? low / high : inBoth / (inA + inB - inBoth);
  }

  /**
   * Counts the tokens of bytes[from, n) that take the fast path, and returns n or where it stopped: at a
   * byte ≥ 0x80 between tokens, at a token that needs {@link step}, or at a new token for a full table.
   */
  private scan(bytes: Uint8Array, view: DataView, n: number, side: number, from: number): number {
    const slots = this.slots;
    const used = this.used;
    const bits = this.bits;
    const mask = (1 << bits) - 1;
    const full = used.length;
    let count = this.usedCount;
    let i = from;
    while (i < n) {
      const c = bytes[i]!;
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
        i++;
        continue;
      }
      // A token of 1–7 plain bytes followed by ASCII whitespace: `first0` and `first1` keep the bit of the
      // first special byte of each word; the token is what precedes the first of the two, and its keys are
      // its bytes (masked by `(first >>> 7) - 1`, or all of word 0 when word 0 is plain).
      const word0 = view.getInt32(i, true);
      const word1 = view.getInt32(i + 4, true);
      const special0 = specialBytes(word0);
      const special1 = specialBytes(word1);
      const first0 = special0 & -special0;
      const first1 = special1 & -special1;
      const in0 = (special0 | -special0) >> 31; // -1 when word 0 holds a special byte, else 0
      const length =
        (((31 - Math.clz32(first0)) >> 3) & in0) | ((4 + ((31 - Math.clz32(first1)) >> 3)) & ~in0);
      const end = bytes[i + length]!;
      if ((special0 | special1) === 0 || !(end === 0x20 || (end >= 0x09 && end <= 0x0d))) break;
      const key1 = word0 & ((first0 >>> 7) - 1);
      const key2 = word1 & ((first1 >>> 7) - 1) & ~in0;
      let slot = slotOf(key1, key2, length, bits);
      for (;;) {
        const at = slot << SLOT_SHIFT;
        const l = slots[at]!;
        if (l === length && slots[at + 1] === key1 && slots[at + 2] === key2) {
          slots[at + 4 + side]!++;
          break;
        }
        if (l === 0) {
          if (count === full) {
            this.usedCount = count;
            return i;
          }
          this.fill(at, length, key1, key2, side, i);
          used[count++] = slot;
          break;
        }
        slot = (slot + 1) & mask;
      }
      i += length + 1;
    }
    this.usedCount = count;
    return i;
  }

  /**
   * Takes whatever starts at bytes[i], whitespace or a token, byte by byte (growing the table if full), and
   * returns where it ends.
   */
  private step(bytes: Uint8Array, view: DataView, side: number, i: number): number {
    const space = whitespaceLength(bytes, i);
    if (space > 0) return i + space;
    const end = this.tokenEnd(bytes, view, i);
    const length = end - i;
    const key1 = headKey(view, i, length);
    const key2 = tailKey(view, i, length);
    if (this.usedCount === this.used.length) this.grow();
    const slots = this.slots;
    const mask = (1 << this.bits) - 1;
    for (let slot = slotOf(key1, key2, length, this.bits); ; slot = (slot + 1) & mask) {
      const at = slot << SLOT_SHIFT;
      const l = slots[at]!;
      if (
        l === length &&
        slots[at + 1] === key1 &&
        slots[at + 2] === key2 &&
        (length <= 8 || this.sameToken(slots[at + 3]!, view, i, length))
      ) {
        slots[at + 4 + side]!++;
        return end;
      }
      if (l === 0) {
        this.fill(at, length, key1, key2, side, i);
        this.used[this.usedCount++] = slot;
        return end;
      }
    }
  }

  /** Writes a new token, seen once on `side` at `start`, into the empty slot at `at`. */
  private fill(at: number, length: number, key1: number, key2: number, side: number, start: number): void {
    const slots = this.slots;
    slots[at] = length;
    slots[at + 1] = key1;
    slots[at + 2] = key2;
    slots[at + 3] = (side << 30) | start;
    slots[at + 4] = 1 - side;
    slots[at + 5] = side;
  }

  /** End of the token that starts at `i`: the first whitespace after it (the padding stops the search). */
  private tokenEnd(bytes: Uint8Array, view: DataView, i: number): number {
    for (;;) {
      const special = specialBytes(view.getInt32(i, true));
      if (special === 0) {
        i += 4;
        continue;
      }
      i += (31 - Math.clz32(special & -special)) >> 3;
      if (whitespaceLength(bytes, i) > 0) return i;
      if (bytes[i] === 0xef && bytes[i + 1] === 0xbf && bytes[i + 2] === 0xbd) this.sawReplacement = true;
      i++;
    }
  }

  /** Whether the token at `start` equals the one stored at `where` (same length and first four bytes). */
  private sameToken(where: number, view: DataView, start: number, length: number): boolean {
    return sameTail(this.views[where >>> 30]!, where & 0x3fffffff, view, start, length);
  }

  /** Doubles the table and rehashes the slots in use. */
  private grow(): void {
    const bits = this.bits + 1;
    const slots = new Int32Array((1 << SLOT_SHIFT) << bits);
    const used = new Int32Array(1 << (bits - 2));
    const mask = (1 << bits) - 1;
    const old = this.slots;
    for (let u = 0; u < this.usedCount; u++) {
      const from = this.used[u]! << SLOT_SHIFT;
      let slot = slotOf(old[from + 1]!, old[from + 2]!, old[from]!, bits);
      while (slots[slot << SLOT_SHIFT] !== 0) slot = (slot + 1) & mask;
      slots.set(old.subarray(from, from + (1 << SLOT_SHIFT)), slot << SLOT_SHIFT);
      used[u] = slot;
    }
    this.bits = bits;
    this.slots = slots;
    this.used = used;
  }
}
