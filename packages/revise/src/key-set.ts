const EMPTY = 0;
const INITIAL_SLOTS = 1024;
const HEX_DIGITS = 16;

/** The value of the lowercase hex digit at `code`, or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * A set of row keys that stores the keys `rowKey` makes (`L<line>-<16 hex digits>`) as three 32-bit
 * numbers in an open-addressing table in one typed array (16 to 32 bytes a key as the table fills and
 * doubles, and a single object for the garbage collector to trace) instead of a string each (about 70
 * bytes a key with its set entry). The packing is exact: a key is packed only in its canonical spelling
 * (no leading zero, lowercase hex), which no other key shares. Any other key (a hand-edited journal,
 * another id scheme) is kept as a string, so membership is always exact.
 *
 * @example
 * ```ts
 * const done = new KeySet();
 * done.add("L12-3f2a9c0e1b7d4a55");
 * done.has("L12-3f2a9c0e1b7d4a55"); // true
 * ```
 */
export class KeySet {
  /** Slots of three numbers: line (0 = empty), high and low halves of the hash. */
  #slots = new Uint32Array(INITIAL_SLOTS * 3);
  #packed = 0;
  readonly #others = new Set<string>();
  /** The parsed key of the last {@link KeySet.#parse} call. */
  #line = 0;
  #high = 0;
  #low = 0;

  /** How many distinct keys the set holds. */
  get size(): number {
    return this.#packed + this.#others.size;
  }

  /** How many keys are stored packed (the rest are strings). */
  get packedCount(): number {
    return this.#packed;
  }

  /** Whether the set holds `key`. */
  has(key: string): boolean {
    if (!this.#parse(key)) return this.#others.has(key);
    return this.#slots[this.#find() * 3] !== EMPTY;
  }

  /** Adds `key` (no-op when present). */
  add(key: string): this {
    if (!this.#parse(key)) {
      this.#others.add(key);
      return this;
    }
    const at = this.#find() * 3;
    if (this.#slots[at] !== EMPTY) return this;
    this.#slots[at] = this.#line;
    this.#slots[at + 1] = this.#high;
    this.#slots[at + 2] = this.#low;
    this.#packed += 1;
    if (this.#packed * 4 > this.#slots.length) this.#grow(); // over 3/4 full: the table has length / 3 slots
    return this;
  }

  /** Reads a canonical `L<line>-<hash>` key into #line, #high, #low; false for any other string. */
  #parse(key: string): boolean {
    const length = key.length;
    if (length < 3 + HEX_DIGITS || key.charCodeAt(0) !== 76) return false;
    const dash = length - HEX_DIGITS - 1;
    if (key.charCodeAt(dash) !== 45 || dash > 11 || key.charCodeAt(1) === 48) return false;
    let line = 0;
    for (let i = 1; i < dash; i++) {
      const digit = key.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return false;
      line = line * 10 + digit;
    }
    if (line > 0xffffffff) return false;
    let high = 0;
    let low = 0;
    for (let i = 0; i < HEX_DIGITS; i++) {
      const digit = hexValue(key.charCodeAt(dash + 1 + i));
      if (digit < 0) return false;
      if (i < 8) high = ((high << 4) | digit) >>> 0;
      else low = ((low << 4) | digit) >>> 0;
    }
    this.#line = line;
    this.#high = high;
    this.#low = low;
    return true;
  }

  /** The slot holding the parsed key, or the empty slot where it would go (linear probing). */
  #find(): number {
    const mask = this.#slots.length / 3 - 1;
    let slot = (Math.imul(this.#low ^ Math.imul(this.#line, 0x9e3779b1), 0x85ebca6b) ^ this.#high) & mask;
    for (;;) {
      const at = slot * 3;
      const line = this.#slots[at];
      if (
        line === EMPTY ||
        (line === this.#line && this.#slots[at + 1] === this.#high && this.#slots[at + 2] === this.#low)
      ) {
        return slot;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Doubles the table and puts every packed key back. */
  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(old.length * 2);
    for (let at = 0; at < old.length; at += 3) {
      const line = old[at] ?? EMPTY;
      if (line === EMPTY) continue;
      this.#line = line;
      this.#high = old[at + 1] ?? 0;
      this.#low = old[at + 2] ?? 0;
      const to = this.#find() * 3;
      this.#slots[to] = line;
      this.#slots[to + 1] = this.#high;
      this.#slots[to + 2] = this.#low;
    }
  }
}
