/**
 * Exact keys for byte strings (tokens in a UTF-8 buffer), read four bytes at a time through a DataView.
 *
 * A token is keyed by its length and two int32 words. Tokens of up to 8 bytes keep their bytes in those
 * words (`headKey`, `tailKey`), so equal keys mean equal tokens. Longer tokens keep their first four bytes
 * and a 32-bit hash of the rest, so equal keys must still be confirmed with `sameTail`. Callers keep at
 * least 8 bytes of padding after the last token, as whole words are read.
 */

/** Mask of the low `count` bytes of an int32 (all of them for 4 or more). */
export function lowBytes(count: number): number {
  return count >= 4 ? -1 : (1 << (count << 3)) - 1;
}

/** First key word: the token's first four bytes (fewer for shorter tokens, the rest zero). */
export function headKey(view: DataView, start: number, length: number): number {
  return view.getInt32(start, true) & lowBytes(length);
}

/** Second key word: bytes 4–7 for tokens of up to 8 bytes, else a hash of every byte from the fifth on. */
export function tailKey(view: DataView, start: number, length: number): number {
  if (length <= 4) return 0;
  if (length <= 8) return view.getInt32(start + 4, true) & lowBytes(length - 4);
  let h = 0x3c6ef372;
  let j = 4;
  for (; j + 4 <= length; j += 4) h = Math.imul(h ^ view.getInt32(start + j, true), 0x5bd1e995);
  if (j < length) h = Math.imul(h ^ (view.getInt32(start + j, true) & lowBytes(length - j)), 0x5bd1e995);
  return h ^ (h >>> 15);
}

/** Whether two tokens of `length` bytes agree from their fifth byte on (the part `tailKey` hashes). */
export function sameTail(x: DataView, xStart: number, y: DataView, yStart: number, length: number): boolean {
  let j = 4;
  for (; j + 4 <= length; j += 4) {
    if (x.getInt32(xStart + j, true) !== y.getInt32(yStart + j, true)) return false;
  }
  return (
    j === length ||
    ((x.getInt32(xStart + j, true) ^ y.getInt32(yStart + j, true)) & lowBytes(length - j)) === 0
  );
}
