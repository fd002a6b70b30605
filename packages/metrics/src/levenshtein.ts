import { bandedDistance, resetCarries } from "./internal/myers.js";
import { codePointsInto, codeUnitsInto, IntBuffer, mapSymbols } from "./internal/symbols.js";

/** What counts as one character. */
export type CharacterUnit = "code-point" | "code-unit";

/** Options of {@link levenshtein}. */
export interface LevenshteinOptions {
  /**
   * `"code-point"` (default): one Unicode code point is one character, so an emoji or a CJK extension B
   * ideograph counts once. `"code-unit"`: one UTF-16 code unit is one character, as in
   * `fastest-levenshtein`, `leven` and `String.prototype.length`.
   */
  unit?: CharacterUnit;
  /**
   * Largest distance of interest. When the distance is larger the computation stops as soon as that is
   * certain and returns `maxDistance + 1`; any result above `maxDistance` means "more than `maxDistance`".
   */
  maxDistance?: number;
}

const bufA = new IntBuffer();
const bufB = new IntBuffer();
const symP = new IntBuffer();
const columns = new IntBuffer();

/**
 * Levenshtein edit distance: the least number of single-character insertions, deletions and
 * substitutions that turn `a` into `b`, each costing 1.
 *
 * ```text
 * D[i][0] = i,  D[0][j] = j
 * D[i][j] = min(D[i−1][j] + 1, D[i][j−1] + 1, D[i−1][j−1] + [a_i ≠ b_j])
 * distance = D[|a|][|b|]
 * ```
 *
 * Exact for any input. Characters are Unicode code points unless `unit: "code-unit"`; texts are not
 * normalized. The computation strips the common prefix and suffix, then runs Myers' bit-parallel
 * algorithm (Hyyrö's multi-word form) in strips of 64 or 96 rows, inside a band that shrinks as the scores
 * come in: a narrow first pass for nearly identical texts, then a beam pass whose alignment cost bounds
 * the distance, then one exact pass within that bound (see `docs/metrics.md`).
 *
 * @example
 * ```ts
 * levenshtein("kitten", "sitting"); // 3
 * levenshtein("a😀", "a"); // 1; with { unit: "code-unit" }, 2 (the emoji is two UTF-16 units)
 * levenshtein(longA, longB, { maxDistance: 100 }); // ≤ 100, or 101 meaning "more than 100"
 * ```
 */
export function levenshtein(a: string, b: string, options?: LevenshteinOptions): number {
  const max = options?.maxDistance;
  if (max !== undefined && !(max >= 0)) throw new RangeError(`maxDistance must be ≥ 0, got ${max}`);
  if (a === b) return 0;
  const codeUnits = options?.unit === "code-unit";
  const la = codeUnits ? codeUnitsInto(a, bufA) : codePointsInto(a, bufA);
  const lb = codeUnits ? codeUnitsInto(b, bufB) : codePointsInto(b, bufB);
  return distanceOfBuffers(bufA.data, la, bufB.data, lb, max === undefined ? Infinity : Math.floor(max));
}

/**
 * Levenshtein distance between two integer sequences (code points, token ids, …), with the same
 * algorithm and `maxDistance` behaviour as {@link levenshtein}.
 *
 * @example
 * ```ts
 * levenshteinSequences(Int32Array.of(1, 2, 3), Int32Array.of(1, 3)); // 1
 * ```
 */
export function levenshteinSequences(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options?: Pick<LevenshteinOptions, "maxDistance">,
): number {
  const max = options?.maxDistance;
  if (max !== undefined && !(max >= 0)) throw new RangeError(`maxDistance must be ≥ 0, got ${max}`);
  const da = bufA.reserve(a.length);
  for (let i = 0; i < a.length; i++) da[i] = a[i]!;
  const db = bufB.reserve(b.length);
  for (let i = 0; i < b.length; i++) db[i] = b[i]!;
  return distanceOfBuffers(da, a.length, db, b.length, max === undefined ? Infinity : Math.floor(max));
}

function distanceOfBuffers(a: Int32Array, la: number, b: Int32Array, lb: number, max: number): number {
  // Common prefix and suffix cost nothing and never change the distance.
  let start = 0;
  const shortest = la < lb ? la : lb;
  while (start < shortest && a[start] === b[start]) start++;
  let endA = la;
  let endB = lb;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  let m = endA - start;
  let n = endB - start;
  let p = a;
  let t = b;
  if (m > n) {
    p = b;
    t = a;
    const x = m;
    m = n;
    n = x;
  }
  // Now p (length m) is the shorter side, both starting at `start`.
  if (n - m > max) return max + 1;
  if (m === 0) return n;
  const pSym = symP.reserve(m);
  const col = columns.reserve(n + 1);
  const sigma = mapSymbols(p, start, m, t, start, n, pSym, col);
  const limit = max < n ? max : n;
  // One pass with the band bounded by maxDistance alone: for short patterns (a strip of up to 96 rows
  // covers them whole, where a band saves nothing), for a small maxDistance (its own band), and when the
  // lengths differ by a third or more (every band is then at least that wide, so extra passes would cost
  // more than they save; the pass still skips what no path within the bound can reach).
  const hint = n - m + FIRST_BAND;
  if (m <= 96 || limit <= hint || 3 * (hint + BEAM_SLACK) >= n) {
    const d = bandedDistance(pSym, m, col, n, sigma, limit);
    return d <= limit ? d : max + 1;
  }
  // First a narrow band: enough for nearly identical texts, and it fails fast otherwise.
  let d = bandedDistance(pSym, m, col, n, sigma, hint);
  if (d <= hint) return d;
  resetCarries(col, n);
  // Then, instead of doubling the band until it holds, a beam that follows the cheapest columns of each
  // strip: its result is the cost of a real alignment, so an upper bound, and in practice within a few
  // percent of the distance. The exact pass then runs with that bound as its band and cannot fail.
  const beam = bandedDistance(pSym, m, col, n, sigma, n, BEAM_SLACK);
  resetCarries(col, n);
  const k = beam < limit ? beam : limit;
  d = bandedDistance(pSym, m, col, n, sigma, k);
  return d <= k ? d : max + 1;
}

/** Band of the first, optimistic pass, beyond the length difference. */
const FIRST_BAND = 32;

/** How far above the best estimate of its row a column may be and stay in the beam. */
const BEAM_SLACK = 96;
