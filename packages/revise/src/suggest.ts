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

/** How far a suggestion may be: 1 edit for short words, about one in three for longer ones. */
function within(word: string): number {
  return Math.max(1, Math.floor(word.length / 3));
}

/**
 * The candidate nearest to `word` by edit distance, when one is near enough to be what was meant; ties go
 * to the earlier candidate.
 *
 * @example
 * ```ts
 * closest("revse", ["revise", "judge", "stronger"]); // "revise"
 * ```
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= within(word) ? best : undefined;
}

/**
 * The known flag nearest to an unknown one (names without dashes). Besides whole names, the part after a
 * role prefix counts, a little farther: `modle` → `reviser-model`, `max-token` → `reviser-max-tokens`.
 * Flags are tried in the order given, so list the likeliest first.
 *
 * @example
 * ```ts
 * closestFlag("modle", ["reviser-model", "policy-model", "mode"]); // "reviser-model"
 * ```
 */
export function closestFlag(flag: string, flags: readonly string[]): string | undefined {
  const given = flag.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of flags) {
    let score = editDistance(given, candidate);
    const dash = candidate.indexOf("-");
    if (dash > 0) score = Math.min(score, editDistance(given, candidate.slice(dash + 1)) + 0.5);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return bestScore <= within(given) + 0.5 ? best : undefined;
}
