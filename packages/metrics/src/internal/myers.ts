/**
 * Exact unit-cost edit distance between two integer sequences with Myers' bit-parallel algorithm in
 * Hyyrö's multi-word form, computed in horizontal strips and restricted to a band that shrinks as scores
 * come in.
 *
 * Layout. The shorter sequence P (length m) runs down the rows, the longer T (length n) across the columns
 * of the DP matrix D, D[i][c] = distance(P[0, i), T[0, c)). Rows are packed 32 to a word. A strip holds K
 * consecutive words (K = 2 or 3, so 64 or 96 rows) and sweeps the columns it needs left to right, keeping
 * each word's vertical delta vectors (Pv, Mv) in registers. The K word chains of one column depend on each
 * other only through the carry and consecutive columns of one word only through that word's vectors, so
 * the out-of-order core overlaps the K chains; the classic column-by-column loop over all words instead
 * runs one long carry chain per column and reloads every word's vectors from memory. Four words per strip
 * run out of registers in V8 and get slower.
 *
 * Between strips only one horizontal delta per column crosses. It lives in the low two bits of `col[c]`
 * (bit 0: +1, bit 1: −1) next to the column's symbol times 4, which indexes the strip's match table
 * `table[4·symbol + k]` (bit i of word k set when row 32k + i of the strip holds that symbol): one load per
 * column serves both, and the symbols of T never need a second array.
 *
 * Band. A call computes the distance exactly when it is at most `k` and otherwise reports "more than k".
 * A path of cost ≤ k through cell (r, c) needs D[r][c] + |(m − r) − (n − c)| ≤ k, so after each strip only
 * the columns of its bottom row that satisfy this stay alive; the next strip starts at the first alive
 * column and stops where a path from an alive column can no longer arrive within k. Cells left of a
 * strip's start take vertical steps of +1 and columns right of the previous strip take horizontal steps of
 * +1: both are costs of real paths, so every computed value is an upper bound of the true one, and it is
 * exact along any optimal path of cost ≤ k (by induction over strips: such a path crosses each bottom row
 * at an alive column whose value is exact, and stays inside the columns the next strip sweeps).
 *
 * Beam mode (`slack` ≥ 0) keeps instead the columns within `slack` of the row's best D + |…| and always
 * reaches the last column: its result is the cost of a real alignment, an upper bound of the distance
 * that the caller then uses as k.
 */

/** Scratch for the strip match table, reused across calls. */
let table = new Int32Array(1024);

/** Kernel work counter for benchmarks and tests: 32-row word steps done so far. */
export const work = { steps: 0 };

/**
 * Distance between `p[0, m)` (symbols 1..sigma; the shorter side) and T (length n), exact when it is ≤ k;
 * returns k + 1 otherwise. `col[c]` for c in 1..n must hold 4 · symbol(T[c − 1]) + 1 (symbol 0 for a
 * character absent from p); it is used as scratch and left as 4 · symbol + (some carry).
 * Requires 1 ≤ m ≤ n and n − m ≤ k.
 */
export function bandedDistance(
  p: Int32Array,
  m: number,
  col: Int32Array,
  n: number,
  sigma: number,
  k: number,
  slack = -1,
): number {
  const tableSize = (sigma + 1) * 4;
  if (table.length < tableSize) table = new Int32Array(Math.max(tableSize, table.length * 2));
  const words = (m + 31) >>> 5;
  if (k > n) k = n;
  let r0 = 0;
  let lo = 0; // first alive column of row r0
  let base = 0; // D[r0][lo]
  let reach = 0; // max over alive columns c of row r0 of c − D[r0][c]; on row 0 that is 0
  // The cost bound that decides which cells matter: k, or in beam mode the best estimate so far plus slack.
  let band = slack >= 0 ? n - m + slack : k;
  let filled = 0; // col[c] carries a delta other than +1 only for c ≤ filled (on entry, all are +1)
  let best = n - m; // smallest D[r][c] + |(m − r) − (n − c)| of the last bottom row (row 0: at c = 0)
  let width = band; // columns swept by the last strip, which predicts the next one's
  for (;;) {
    // Three words per strip overlap more work per column; two waste fewer cells on the strip's slant (a
    // strip of h rows sweeps about h more columns than the band is wide), which wins for narrow bands.
    const remaining = words - (r0 >>> 5);
    const K = remaining < 2 ? remaining : remaining >= 3 && width > WIDE_STRIP ? 3 : 2;
    const r1 = Math.min(m, r0 + 32 * K);
    const h = r1 - r0;
    const rowsLeft = m - r1;
    // A path from an alive column c0 of row r0 that reaches this strip's bottom row at a column c right of
    // the end diagonal (c > r1 + n − m) takes at least c − c0 − h horizontal steps in the strip and then
    // c − r1 − (n − m) more to the end: D[r0][c0] + (c − c0 − h) + (c − r1 − n + m) ≤ k bounds c. Cells
    // right of that serve no path of cost ≤ k (paths never move left), and alive columns guarantee the
    // bound is at least the end diagonal.
    let hi = (band + reach + h + (n - m) + r1) >> 1;
    if (hi > n || (slack >= 0 && r1 === m)) hi = n;
    if (hi < lo) hi = lo;
    let delta = 0; // D[r1][hi] − D[r1][lo]
    if (hi > lo) {
      table.fill(0, 0, tableSize);
      for (let i = r0; i < r1; i++) table[(p[i]! << 2) + ((i - r0) >>> 5)]! |= 1 << (i & 31);
      const bit = r1 === m ? (m - 1) & 31 : 31;
      work.steps += (hi - lo) * K;
      delta =
        K === 3
          ? strip3(col, table, lo, hi, bit)
          : K === 2
            ? strip2(col, table, lo, hi, bit)
            : strip1(col, table, lo, hi, bit);
    }
    width = hi - lo;
    // Columns right of this strip start the next one with horizontal steps of +1.
    for (let c = hi + 1; c <= filled; c++) col[c] = (col[c]! & 0x3ffffffc) | 1;
    filled = hi;

    // The strip's bottom row, D[r1][c] = score: its first and last alive columns (c − D[r1][c] never
    // decreases along a row, so the last alive column has the largest reach). In exact mode the row is
    // read from both ends only as far as the first alive column from each side; the kernel returned the
    // row's total change, which gives the score at the right end.
    const startScore = base + h;
    const score = startScore + delta;
    let first = -1;
    let firstScore = 0;
    let last = -1;
    let lastScore = 0;
    let threshold = k;
    if (slack < 0) {
      let s = startScore;
      for (let c = lo; ; ) {
        const diff = rowsLeft - (n - c);
        if (s + (diff < 0 ? -diff : diff) <= k) {
          first = c;
          firstScore = s;
          break;
        }
        if (c === hi) break;
        c++;
        const d = col[c]!;
        s += (d & 1) - ((d >>> 1) & 1);
      }
      if (first >= 0) {
        s = score;
        for (let c = hi; ; c--) {
          const diff = rowsLeft - (n - c);
          if (s + (diff < 0 ? -diff : diff) <= k) {
            last = c;
            lastScore = s;
            break;
          }
          const d = col[c]!;
          s -= (d & 1) - ((d >>> 1) & 1);
        }
      }
    } else {
      // Beam mode: a column stays alive within `slack` of the previous row's best D + |…| (the best never
      // decreases from row to row: along any path D + |…| only grows); should that leave nothing alive,
      // the row's own best serves. The whole row is read, for its best.
      if (best + slack < threshold) threshold = best + slack;
      for (let pass = 0; pass < 2; pass++) {
        let s = startScore;
        let rowBest = n + m;
        for (let c = lo; ; ) {
          const diff = rowsLeft - (n - c);
          const lb = s + (diff < 0 ? -diff : diff);
          if (lb <= threshold) {
            if (first < 0) {
              first = c;
              firstScore = s;
            }
            last = c;
            lastScore = s;
          }
          if (lb < rowBest) rowBest = lb;
          if (c === hi) break;
          c++;
          const d = col[c]!;
          s += (d & 1) - ((d >>> 1) & 1);
        }
        best = rowBest;
        if (first >= 0) break;
        threshold = best + slack;
      }
    }
    reach = last - lastScore;
    band = threshold;
    if (r1 === m) {
      if (slack >= 0) return score;
      return hi === n && score <= k ? score : k + 1;
    }
    if (first < 0) return k + 1;
    lo = first;
    base = firstScore;
    r0 = r1;
  }
}

/** Strip width (in columns) above which strips of three words beat strips of two (measured). */
const WIDE_STRIP = 300;

/** Puts back the +1 carries that {@link bandedDistance} expects on entry, after a failed call. */
export function resetCarries(col: Int32Array, n: number): void {
  for (let c = 1; c <= n; c++) col[c] = (col[c]! & 0x3ffffffc) | 1;
}

// The strip kernels, one per strip height, written out so that each word's vectors stay in registers.
// Column c consumes T[c − 1]; a strip starts from column lo with every vertical delta +1. `bit` is the
// bottom row's bit in the last word (31 except in the last strip). `at + k` stays below 2^30, which lets
// V8 drop its overflow checks.

function strip1(col: Int32Array, table: Int32Array, lo: number, hi: number, bit: number): number {
  let delta = 0;
  let pv0 = -1;
  let mv0 = 0;
  for (let c = lo + 1; c <= hi; c++) {
    const v = col[c]!;
    const at = v & 0x3ffffffc;
    const hp = v & 1;
    const hn = (v >>> 1) & 1;
    // word 0 (bottom)
    let eq = table[at]!;
    const xv = eq | mv0;
    eq |= hn;
    const xh = (((eq & pv0) + pv0) ^ pv0) | eq;
    let ph = mv0 | ~(xh | pv0);
    let mh = pv0 & xh;
    const up = (ph >>> bit) & 1;
    const down = (mh >>> bit) & 1;
    col[c] = at | up | (down << 1);
    delta += up - down;
    ph = (ph << 1) | hp;
    mh = (mh << 1) | hn;
    pv0 = mh | ~(xv | ph);
    mv0 = ph & xv;
  }
  return delta;
}

function strip2(col: Int32Array, table: Int32Array, lo: number, hi: number, bit: number): number {
  let delta = 0;
  let pv0 = -1;
  let mv0 = 0;
  let pv1 = -1;
  let mv1 = 0;
  for (let c = lo + 1; c <= hi; c++) {
    const v = col[c]!;
    const at = v & 0x3ffffffc;
    let hp = v & 1;
    let hn = (v >>> 1) & 1;
    // word 0
    let eq = table[at]!;
    let xv = eq | mv0;
    eq |= hn;
    let xh = (((eq & pv0) + pv0) ^ pv0) | eq;
    let ph = mv0 | ~(xh | pv0);
    let mh = pv0 & xh;
    const op = ph >>> 31;
    const on = mh >>> 31;
    ph = (ph << 1) | hp;
    mh = (mh << 1) | hn;
    pv0 = mh | ~(xv | ph);
    mv0 = ph & xv;
    hp = op;
    hn = on;
    // word 1 (bottom)
    eq = table[at + 1]!;
    xv = eq | mv1;
    eq |= hn;
    xh = (((eq & pv1) + pv1) ^ pv1) | eq;
    ph = mv1 | ~(xh | pv1);
    mh = pv1 & xh;
    const up = (ph >>> bit) & 1;
    const down = (mh >>> bit) & 1;
    col[c] = at | up | (down << 1);
    delta += up - down;
    ph = (ph << 1) | hp;
    mh = (mh << 1) | hn;
    pv1 = mh | ~(xv | ph);
    mv1 = ph & xv;
  }
  return delta;
}

function strip3(col: Int32Array, table: Int32Array, lo: number, hi: number, bit: number): number {
  let delta = 0;
  let pv0 = -1;
  let mv0 = 0;
  let pv1 = -1;
  let mv1 = 0;
  let pv2 = -1;
  let mv2 = 0;
  for (let c = lo + 1; c <= hi; c++) {
    const v = col[c]!;
    const at = v & 0x3ffffffc;
    let hp = v & 1;
    let hn = (v >>> 1) & 1;
    // word 0
    let eq = table[at]!;
    let xv = eq | mv0;
    eq |= hn;
    let xh = (((eq & pv0) + pv0) ^ pv0) | eq;
    let ph = mv0 | ~(xh | pv0);
    let mh = pv0 & xh;
    let op = ph >>> 31;
    let on = mh >>> 31;
    ph = (ph << 1) | hp;
    mh = (mh << 1) | hn;
    pv0 = mh | ~(xv | ph);
    mv0 = ph & xv;
    hp = op;
    hn = on;
    // word 1
    eq = table[at + 1]!;
    xv = eq | mv1;
    eq |= hn;
    xh = (((eq & pv1) + pv1) ^ pv1) | eq;
    ph = mv1 | ~(xh | pv1);
    mh = pv1 & xh;
    op = ph >>> 31;
    on = mh >>> 31;
    ph = (ph << 1) | hp;
    mh = (mh << 1) | hn;
    pv1 = mh | ~(xv | ph);
    mv1 = ph & xv;
    hp = op;
    hn = on;
    // word 2 (bottom)
    eq = table[at + 2]!;
    xv = eq | mv2;
    eq |= hn;
    xh = (((eq & pv2) + pv2) ^ pv2) | eq;
    ph = mv2 | ~(xh | pv2);
    mh = pv2 & xh;
    const up = (ph >>> bit) & 1;
    const down = (mh >>> bit) & 1;
    col[c] = at | up | (down << 1);
    delta += up - down;
    ph = (ph << 1) | hp;
    mh = (mh << 1) | hn;
    pv2 = mh | ~(xv | ph);
    mv2 = ph & xv;
  }
  return delta;
}
