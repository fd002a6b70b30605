import {
  LossDomainError,
  LossInvalidLengthError,
  LossLengthMismatchError,
  LossMissingInputError,
  LossNonFiniteInputError,
  LossOverflowError,
} from "./errors.js";

/** Throws {@link LossLengthMismatchError} unless `values` has `expected` entries. */
export function checkLength(
  field: string,
  values: ArrayLike<unknown>,
  expected: number,
  against: string,
): void {
  if (values.length !== expected) throw new LossLengthMismatchError(field, expected, values.length, against);
}

/** Throws {@link LossNonFiniteInputError} at the first NaN or ±Infinity of any of the named arrays at `index`. */
export function throwIfNonFiniteAt(
  fields: ReadonlyArray<readonly [string, ArrayLike<number>]>,
  index: number,
): void {
  for (const [field, values] of fields) {
    const v = values[index] as number;
    if (!Number.isFinite(v)) throw new LossNonFiniteInputError(field, index, v);
  }
}

/** Checks every entry of an array is finite; names field and index otherwise. */
export function checkAllFinite(field: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v - v !== 0) throw new LossNonFiniteInputError(field, i, v);
  }
}

/**
 * Token counts as a Float64Array clamped to ≥ 1, or `undefined` (meaning all ones) when not given and not
 * required. Zero, negative or non-finite counts are an error naming the field and index.
 */
export function resolveLengths(
  loss: string,
  field: string,
  values: ArrayLike<number> | undefined,
  n: number,
  required: boolean,
  against: string,
): Float64Array | undefined {
  if (values === undefined) {
    if (required) throw new LossInvalidLengthError(loss, field, 0, undefined);
    return undefined;
  }
  const out = new Float64Array(n);
  checkLength(field, values, n, against);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!(v > 0) || !Number.isFinite(v)) throw new LossInvalidLengthError(loss, field, i, v);
    out[i] = Math.max(v, 1);
  }
  return out;
}

/**
 * After a run: when the running sum of outputs is not finite, finds the first non-finite output and throws
 * {@link LossOverflowError}. Returns normally when every entry is finite (only their sum overflowed).
 */
export function checkOutputs(
  loss: string,
  outputs: ReadonlyArray<readonly [string, Float64Array]>,
  sum: number,
): void {
  if (sum - sum === 0) return;
  for (const [name, values] of outputs) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v - v !== 0) throw new LossOverflowError(loss, name, i, v);
    }
  }
}

/** Mean that survives a sum overflowing when every entry is finite. */
export function stableMean(values: Float64Array, sum: number): number {
  const n = values.length;
  if (n === 0) return 0;
  if (sum - sum === 0) return sum / n;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += (values[i] as number) / n;
  return mean;
}

/**
 * The per-pair anchor weights of a batch for a loss that reads them (`undefined` for one that does not):
 * one entry per example, each in [0, 1].
 *
 * @throws LossMissingInputError (field `anchorDown`) when the loss reads them and none were given;
 *   LossLengthMismatchError for a wrong count; LossDomainError naming field, index and value for an entry
 *   outside [0, 1] (NaN included)
 */
export function resolveAnchorDown(
  loss: string,
  values: ArrayLike<number> | undefined,
  n: number,
  required: boolean,
): ArrayLike<number> | undefined {
  if (!required) return undefined;
  if (values === undefined) {
    throw new LossMissingInputError(
      loss,
      "anchorDown",
      "pass one weight in [0, 1] per pair (0: APO-zero, 1: APO-down)",
    );
  }
  checkLength("anchorDown", values, n, "policyChosen");
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!(v >= 0 && v <= 1)) {
      throw new LossDomainError(loss, "anchorDown", i, v, "a weight in [0, 1] (0: APO-zero, 1: APO-down)");
    }
  }
  return values;
}
