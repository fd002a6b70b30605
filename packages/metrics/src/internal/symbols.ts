/**
 * Text to integer sequences: code points (or UTF-16 code units) into reusable typed buffers, and a compact
 * alphabet so that the bit-parallel match table has one row per distinct character of the shorter side.
 */

/** Reusable growable Int32Array. */
export class IntBuffer {
  data: Int32Array;
  constructor(size = 1024) {
    this.data = new Int32Array(size);
  }
  /** Ensures capacity for `size` items; keeps nothing (the callers rewrite the whole prefix). */
  reserve(size: number): Int32Array {
    if (this.data.length < size) this.data = new Int32Array(Math.max(size, this.data.length * 2));
    return this.data;
  }
}

/**
 * Writes the Unicode code points of `text` into `out` and returns their count. A lone surrogate stays one
 * code point of its own value, as in `String.prototype.codePointAt`.
 */
export function codePointsInto(text: string, out: IntBuffer): number {
  const len = text.length;
  const data = out.reserve(len);
  let n = 0;
  for (let i = 0; i < len; i++) {
    const u = text.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < len) {
      const v = text.charCodeAt(i + 1);
      if (v >= 0xdc00 && v <= 0xdfff) {
        data[n++] = ((u - 0xd800) << 10) + (v - 0xdc00) + 0x10000;
        i++;
        continue;
      }
    }
    data[n++] = u;
  }
  return n;
}

/** Writes the UTF-16 code units of `text` into `out` and returns their count. */
export function codeUnitsInto(text: string, out: IntBuffer): number {
  const len = text.length;
  const data = out.reserve(len);
  for (let i = 0; i < len; i++) data[i] = text.charCodeAt(i);
  return len;
}

/** Number of code points of `text` (each surrogate pair counts once). */
export function codePointLength(text: string): number {
  const len = text.length;
  let n = len;
  for (let i = 0; i + 1 < len; i++) {
    const u = text.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdbff) {
      const v = text.charCodeAt(i + 1);
      if (v >= 0xdc00 && v <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

// Basic-plane characters index a flat table (0 = not seen); others go through a Map. Both are cleared after
// each use, touching only the entries that were set.
const bmp = new Int32Array(0x10000);
const astral = new Map<number, number>();

/**
 * Maps `p[pFrom, pFrom + m)` to symbols 1..sigma (in order of first appearance) into `pOut`, and
 * `t[tFrom, tFrom + n)` to the same symbols (0 for a character that p lacks) into `col[1, n]` in the
 * layout that the bit-parallel kernel wants: 4 · symbol + 1. Returns sigma.
 */
export function mapSymbols(
  p: Int32Array,
  pFrom: number,
  m: number,
  t: Int32Array,
  tFrom: number,
  n: number,
  pOut: Int32Array,
  col: Int32Array,
): number {
  let sigma = 0;
  let hasAstral = false;
  for (let i = 0; i < m; i++) {
    const cp = p[pFrom + i]!;
    let s: number;
    if (cp >>> 0 < 0x10000) {
      s = bmp[cp]!;
      if (s === 0) {
        s = ++sigma;
        bmp[cp] = s;
      }
    } else {
      hasAstral = true;
      const found = astral.get(cp);
      if (found === undefined) {
        s = ++sigma;
        astral.set(cp, s);
      } else s = found;
    }
    pOut[i] = s;
  }
  if (hasAstral) {
    for (let j = 0; j < n; j++) {
      const cp = t[tFrom + j]!;
      col[j + 1] = ((cp >>> 0 < 0x10000 ? bmp[cp]! : (astral.get(cp) ?? 0)) << 2) | 1;
    }
    astral.clear();
  } else {
    for (let j = 0; j < n; j++) {
      const cp = t[tFrom + j]!;
      col[j + 1] = ((cp >>> 0 < 0x10000 ? bmp[cp]! : 0) << 2) | 1;
    }
  }
  for (let i = 0; i < m; i++) {
    const cp = p[pFrom + i]!;
    if (cp >>> 0 < 0x10000) bmp[cp] = 0;
  }
  return sigma;
}
