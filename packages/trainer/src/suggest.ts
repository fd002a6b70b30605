/**
 * The optimal string alignment distance: Levenshtein's edits plus the swap of two neighbours, the typo
 * people make most (`--modle` is one edit from `--model`, not two).
 */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[(i - 1) * cols + j] as number) + 1,
        (d[i * cols + j - 1] as number) + 1,
        (d[(i - 1) * cols + j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (d[(i - 2) * cols + j - 2] as number) + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] as number;
}

/**
 * The candidate nearest to `word`, when one is near enough to be what was meant: at most 1 edit for short
 * words, about one in three for longer ones. Case, `-` and `_` do not count (`apo-zero` is `apo_zero`), and
 * a candidate that starts with the word (`--max` for `--max-length`) is near when it is the only one. Ties
 * go to the earlier candidate.
 *
 * @example
 * ```ts
 * closest("modle", ["model", "data", "out"]); // "model"
 * closest("apo-zero", ["sigmoid", "apo_zero", "apo_down"]); // "apo_zero"
 * ```
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replaceAll("_", "-");
  const given = plain(word);
  if (given === "") return undefined;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(given, plain(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(given.length / 3))) return best;
  const prefixed = candidates.filter((c) => plain(c).startsWith(given));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
