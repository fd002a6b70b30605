/** Descriptive statistics of one metric over a dataset. */
export interface Summary {
  /** Number of values. */
  count: number;
  /** Arithmetic mean; NaN when there are no values. */
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for a single value, NaN for none. */
  std: number;
  /** 50th percentile. */
  median: number;
  /** 10th percentile. */
  p10: number;
  /** 90th percentile. */
  p90: number;
  min: number;
  max: number;
}

/**
 * Summary statistics of `values` (the array is sorted in place). Percentiles interpolate linearly between
 * the two nearest ranks (NumPy's default, `method="linear"`): p_q = v[⌊h⌋] + (h − ⌊h⌋)(v[⌊h⌋+1] − v[⌊h⌋])
 * with h = (n − 1) q over the sorted values. NaN values are not expected (the metrics never produce them).
 *
 * @example
 * ```ts
 * summarize(Float64Array.of(3, 1, 2)); // { count: 3, mean: 2, std: 1, median: 2, p10: 1.2, p90: 2.8, min: 1, max: 3 }
 * ```
 */
export function summarize(values: Float64Array): Summary {
  const n = values.length;
  if (n === 0) {
    return {
      count: 0,
      mean: Number.NaN,
      std: Number.NaN,
      median: Number.NaN,
      p10: Number.NaN,
      p90: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
    };
  }
  values.sort();
  // Two passes (mean, then squared deviations) are accurate where a running sum of squares is not;
  // an infinite value (a length ratio over an empty rejected answer) makes both infinite or NaN.
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  return {
    count: n,
    mean,
    std: n > 1 ? Math.sqrt(squares / (n - 1)) : 0,
    median: quantileOfSorted(values, 0.5),
    p10: quantileOfSorted(values, 0.1),
    p90: quantileOfSorted(values, 0.9),
    min: values[0]!,
    max: values[n - 1]!,
  };
}

/** The q-quantile (0 ≤ q ≤ 1) of ascending `sorted`, interpolating linearly between ranks. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  const fraction = h - lo;
  return fraction === 0 || a === b ? a : a + fraction * (b - a);
}

/** A growable Float64Array: one number per pair, the only per-pair memory the statistics keep. */
export class ValueColumn {
  private data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  pushAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.push(values[i]!);
  }
  /** A copy of the values, in insertion order. */
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}
