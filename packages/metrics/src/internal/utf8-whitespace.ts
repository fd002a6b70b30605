/**
 * JavaScript's `\s` (what `String.prototype.split(/\s+/)` splits on), recognised in UTF-8 bytes: tab, line
 * feed, vertical tab, form feed, carriage return, space, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000 and U+FEFF. Not U+0085 or U+180E, which `\s` leaves out too.
 */

/**
 * Number of bytes of the whitespace character that starts at `bytes[i]`, or 0 when none does. Reads up to
 * `bytes[i + 2]`, so the caller keeps two bytes of padding after the text.
 */
export function whitespaceLength(bytes: Uint8Array, i: number): number {
  const c = bytes[i]!;
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) ? 1 : 0;
  if (c === 0xc2) return bytes[i + 1] === 0xa0 ? 2 : 0;
  if (c < 0xe1 || c > 0xef) return 0;
  const d = bytes[i + 1]!;
  const e = bytes[i + 2]!;
  switch (c) {
    case 0xe1: // U+1680
      return d === 0x9a && e === 0x80 ? 3 : 0;
    case 0xe2: // U+2000–U+200A, U+2028, U+2029, U+202F; U+205F
      if (d === 0x80) return e <= 0x8a || e === 0xa8 || e === 0xa9 || e === 0xaf ? 3 : 0;
      return d === 0x81 && e === 0x9f ? 3 : 0;
    case 0xe3: // U+3000
      return d === 0x80 && e === 0x80 ? 3 : 0;
    case 0xef: // U+FEFF
      return d === 0xbb && e === 0xbf ? 3 : 0;
    default:
      return 0;
  }
}
