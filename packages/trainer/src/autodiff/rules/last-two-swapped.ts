/**
 * The `Transpose` permutation of a rank-`rank` tensor that swaps its last two axes (a batched matrix
 * transpose) and keeps the leading ones.
 *
 * ```text
 * lastTwoSwapped(r) = [0, 1, …, r − 3, r − 1, r − 2]
 * ```
 *
 * @example
 * ```ts
 * lastTwoSwapped(4); // [0, 1, 3, 2]
 * ```
 */
export function lastTwoSwapped(rank: number): number[] {
  return [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
}
