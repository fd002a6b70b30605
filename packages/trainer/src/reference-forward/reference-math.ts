import type { WeightMap } from "../safetensors/tensor.js";

/** Rows × columns matrix stored row-major in a Float64Array (one row per position). */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/**
 * A weight as float64, or an error naming it.
 *
 * @example
 * ```ts
 * weight(weights, "model.norm.weight");
 * ```
 */
export function weight(weights: WeightMap, name: string): Float64Array {
  const t = weights.get(name);
  if (!t) throw new Error(`reference forward: missing weight ${name}`);
  return Float64Array.from(t.data as Float32Array);
}

/**
 * The weight if present, else null (optional biases).
 *
 * @example
 * ```ts
 * optionalWeight(weights, "model.layers.0.self_attn.q_proj.bias"); // null for Llama
 * ```
 */
export function optionalWeight(weights: WeightMap, name: string): Float64Array | null {
  return weights.has(name) ? weight(weights, name) : null;
}

/**
 * `x · Wᵀ + b` with W in nn.Linear layout [out, in].
 *
 * @example
 * ```ts
 * const y = linear(x, w, 64);
 * ```
 */
export function linear(x: Mat, w: Float64Array, out: number, bias: Float64Array | null = null): Mat {
  const data = new Float64Array(x.rows * out);
  for (let r = 0; r < x.rows; r++) {
    for (let o = 0; o < out; o++) {
      let s = bias ? bias[o]! : 0;
      for (let i = 0; i < x.cols; i++) s += x.data[r * x.cols + i]! * w[o * x.cols + i]!;
      data[r * out + o] = s;
    }
  }
  return { rows: x.rows, cols: out, data };
}

/**
 * `x · W + b` with W in GPT-2 Conv1D layout [in, out].
 *
 * @example
 * ```ts
 * const y = conv1d(x, w, 96, b);
 * ```
 */
export function conv1d(x: Mat, w: Float64Array, out: number, bias: Float64Array | null): Mat {
  const data = new Float64Array(x.rows * out);
  for (let r = 0; r < x.rows; r++) {
    for (let o = 0; o < out; o++) {
      let s = bias ? bias[o]! : 0;
      for (let i = 0; i < x.cols; i++) s += x.data[r * x.cols + i]! * w[i * out + o]!;
      data[r * out + o] = s;
    }
  }
  return { rows: x.rows, cols: out, data };
}

/**
 * Element-wise sum of two equal-shaped matrices.
 *
 * @example
 * ```ts
 * const h2 = add(h, attn);
 * ```
 */
export function add(a: Mat, b: Mat): Mat {
  return { rows: a.rows, cols: a.cols, data: a.data.map((v, i) => v + b.data[i]!) };
}

/**
 * Row-wise log-softmax: `x − max − log Σ exp(x − max)`.
 *
 * @example
 * ```ts
 * const logp = logSoftmaxRows(logits);
 * ```
 */
export function logSoftmaxRows(x: Mat): Mat {
  const data = new Float64Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    const row = x.data.subarray(r * x.cols, (r + 1) * x.cols);
    const max = Math.max(...row);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < x.cols; c++) data[r * x.cols + c] = row[c]! - lse;
  }
  return { rows: x.rows, cols: x.cols, data };
}

/**
 * Causal multi-head attention over one sequence. `q` is [T, numHeads·d], `k`/`v` are
 * [T, numKvHeads·d]; query head h reads key/value head ⌊h / (numHeads/numKvHeads)⌋.
 * softmax_j≤i(q_i·k_j / √d) · v_j.
 *
 * @example
 * ```ts
 * const out = causalAttention(q, k, v, 8, 4, 8);
 * ```
 */
export function causalAttention(
  q: Mat,
  k: Mat,
  v: Mat,
  numHeads: number,
  numKvHeads: number,
  d: number,
): Mat {
  const t = q.rows;
  const out = new Float64Array(t * numHeads * d);
  const group = numHeads / numKvHeads;
  const scores = new Float64Array(t);
  for (let h = 0; h < numHeads; h++) {
    const kvh = Math.floor(h / group);
    for (let i = 0; i < t; i++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += q.data[i * q.cols + h * d + c]! * k.data[j * k.cols + kvh * d + c]!;
        scores[j] = s / Math.sqrt(d);
        max = Math.max(max, scores[j]!);
      }
      let sum = 0;
      for (let j = 0; j <= i; j++) {
        scores[j] = Math.exp(scores[j]! - max);
        sum += scores[j]!;
      }
      for (let c = 0; c < d; c++) {
        let acc = 0;
        for (let j = 0; j <= i; j++) acc += scores[j]! * v.data[j * v.cols + kvh * d + c]!;
        out[i * numHeads * d + h * d + c] = acc / sum;
      }
    }
  }
  return { rows: t, cols: numHeads * d, data: out };
}

/**
 * Sum of `logp[t − 1, ids[t]]` over the targets t ≥ max(`completionStart`, 1).
 *
 * @example
 * ```ts
 * completionLogProb(logp, [1, 5, 9], 1); // log p(5 | 1) + log p(9 | 1, 5)
 * ```
 */
export function completionLogProb(logSoftmax: Mat, ids: readonly number[], completionStart: number): number {
  let sum = 0;
  for (let t = Math.max(completionStart, 1); t < ids.length; t++)
    sum += logSoftmax.data[(t - 1) * logSoftmax.cols + ids[t]!]!;
  return sum;
}
