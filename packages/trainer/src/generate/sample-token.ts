import type { SeededRandom } from "../models/seeded-random.js";

/** How one next token is picked from logits. */
export interface SamplingParams {
  /** Softmax temperature; 0 picks the most likely token (greedy). Default 1. */
  readonly temperature?: number;
  /** Nucleus sampling: keep the most likely tokens whose probabilities sum to at least `topP`. Default 1 (off). */
  readonly topP?: number;
  /** Keep only the `topK` most likely tokens; 0 = off (default). `topK: 1` is greedy. */
  readonly topK?: number;
}

/**
 * Index of the largest value (the first one on ties).
 *
 * @example
 * ```ts
 * argmax([0.1, 3, 3]); // 1
 * ```
 */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Pick the next token from one row of logits: greedy when `temperature` is 0 or `topK` is 1, else a
 * draw from the tempered softmax restricted to the top-k tokens and then to the top-p nucleus.
 * `rng` makes the draw reproducible. `logits` may be a view of a [B, V] batch.
 *
 * ```text
 * p_i ∝ exp((l_i − max l) / T)  for i in top-k ∩ nucleus(p),  then one draw u ~ U[0, 1)
 * ```
 *
 * @example
 * ```ts
 * const rng = new SeededRandom(7);
 * sampleToken(new Float32Array([0.1, 2, -1]), { temperature: 0.8, topP: 0.9 }, rng); // 1 most often
 * ```
 */
export function sampleToken(
  logits: Float32Array | Float64Array,
  params: SamplingParams,
  rng: SeededRandom,
): number {
  const temperature = params.temperature ?? 1;
  const topK = params.topK ?? 0;
  const topP = params.topP ?? 1;
  if (temperature === 0 || topK === 1) return argmax(logits);
  const n = logits.length;
  const max = logits[argmax(logits)]!;
  const probs = new Float64Array(n);
  for (let i = 0; i < n; i++) probs[i] = Math.exp((logits[i]! - max) / temperature);
  if (topK > 0 && topK < n) {
    // The k-th largest value; ties at the threshold are all kept, as in transformers.
    const threshold = Float64Array.from(probs).sort()[n - topK]!;
    for (let i = 0; i < n; i++) if (probs[i]! < threshold) probs[i] = 0;
  }
  if (topP < 1) {
    const order = Array.from({ length: n }, (_, i) => i).filter((i) => probs[i]! > 0);
    order.sort((a, b) => probs[b]! - probs[a]! || a - b);
    let total = 0;
    for (const i of order) total += probs[i]!;
    let cumulative = 0;
    let kept = 0;
    while (kept < order.length && cumulative < topP * total) cumulative += probs[order[kept++]!]!;
    for (let j = Math.max(kept, 1); j < order.length; j++) probs[order[j]!] = 0;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += probs[i]!;
  let u = rng.uniform() * total;
  for (let i = 0; i < n; i++) {
    u -= probs[i]!;
    if (u < 0 && probs[i]! > 0) return i;
  }
  // Rounding left u ≥ 0: the last token with mass.
  for (let i = n - 1; i >= 0; i--) if (probs[i]! > 0) return i;
  return argmax(logits);
}
