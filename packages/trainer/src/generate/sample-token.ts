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
 * Set to −∞ the logits outside the top-k tokens and then outside the top-p nucleus (in place), as
 * transformers' `TopKLogitsWarper` then `TopPLogitsWarper` do. Ties at the k-th value are kept; the most
 * likely token always stays.
 *
 * ```text
 * keep i ∈ top-k,  then the fewest most likely i whose softmax probabilities sum to ≥ p
 * ```
 *
 * @example
 * ```ts
 * const row = new Float64Array([1, 3, 2]);
 * maskTopKTopP(row, 2, 1); // row = [−∞, 3, 2]
 * ```
 */
export function maskTopKTopP(logits: Float32Array | Float64Array, topK: number, topP: number): void {
  const n = logits.length;
  if (topK > 0 && topK < n) {
    const threshold = Float64Array.from(logits).sort()[n - topK]!;
    for (let i = 0; i < n; i++) if (logits[i]! < threshold) logits[i] = Number.NEGATIVE_INFINITY;
  }
  if (topP >= 1) return;
  const order = Array.from({ length: n }, (_, i) => i).filter((i) => logits[i]! > Number.NEGATIVE_INFINITY);
  order.sort((a, b) => logits[b]! - logits[a]! || a - b);
  const max = logits[order[0]!]!;
  const probs = order.map((i) => Math.exp(logits[i]! - max));
  const total = probs.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  let kept = 0;
  while (kept < order.length && cumulative < topP * total) cumulative += probs[kept++]!;
  for (let j = Math.max(kept, 1); j < order.length; j++) logits[order[j]!] = Number.NEGATIVE_INFINITY;
}

/**
 * Pick the next token from one row of logits: greedy when `temperature` is 0 or `topK` is 1, else a
 * draw from the tempered softmax restricted to the top-k tokens and then to the top-p nucleus.
 * `rng` makes the draw reproducible. `logits` may be a view of a [B, V] batch (it is not modified).
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
  if (temperature === 0 || topK === 1) return argmax(logits);
  const n = logits.length;
  const scaled = Float64Array.from(logits, (l) => l / temperature);
  maskTopKTopP(scaled, topK, params.topP ?? 1);
  const max = scaled[argmax(scaled)]!;
  const probs = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    probs[i] = Math.exp(scaled[i]! - max);
    total += probs[i]!;
  }
  let u = rng.uniform() * total;
  for (let i = 0; i < n; i++) {
    u -= probs[i]!;
    if (u < 0 && probs[i]! > 0) return i;
  }
  // Rounding left u ≥ 0: the last token with mass.
  for (let i = n - 1; i >= 0; i--) if (probs[i]! > 0) return i;
  return argmax(logits);
}
