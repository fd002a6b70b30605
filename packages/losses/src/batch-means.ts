import type { BatchCoupling, BatchMeans } from "./definition.js";
import { LossMissingInputError } from "./errors.js";
import { throwIfNonFiniteAt } from "./validate.js";

/** Whether a definition with this coupling reads {@link BatchMeans} in `terms`. */
export function readsBatchMeans(coupling: BatchCoupling): boolean {
  return coupling === "batch-means" || coupling === "detached-batch-means";
}

/**
 * The means over a batch that a batch-coupled definition reads, in float64. An absent reference counts
 * as 0 and absent token counts as 1; token counts arrive clamped. Non-finite inputs throw naming field and
 * index (the same check the per-example loop makes).
 */
export function computeBatchMeans(
  fields: ReadonlyArray<readonly [string, ArrayLike<number>]>,
  c: ArrayLike<number>,
  r: ArrayLike<number>,
  c0: ArrayLike<number> | undefined,
  r0: ArrayLike<number> | undefined,
  lc: ArrayLike<number> | undefined,
  lr: ArrayLike<number> | undefined,
): BatchMeans<number> {
  const n = c.length;
  let sc = 0;
  let sr = 0;
  let slc = 0;
  let slr = 0;
  let sdc = 0;
  let sdr = 0;
  for (let i = 0; i < n; i++) {
    const ci = c[i] as number;
    const ri = r[i] as number;
    const c0i = c0 === undefined ? 0 : (c0[i] as number);
    const r0i = r0 === undefined ? 0 : (r0[i] as number);
    const s = ci + ri + c0i + r0i;
    if (s - s !== 0) throwIfNonFiniteAt(fields, i);
    sc += ci;
    sr += ri;
    slc += lc === undefined ? 1 : (lc[i] as number);
    slr += lr === undefined ? 1 : (lr[i] as number);
    sdc += ci - c0i;
    sdr += ri - r0i;
  }
  return {
    policyChosen: sc / n,
    policyRejected: sr / n,
    chosenLength: slc / n,
    rejectedLength: slr / n,
    chosenLogRatio: sdc / n,
    rejectedLogRatio: sdr / n,
  };
}

/**
 * What a definition without a batch-means coupling receives as `batch`: reading any mean throws, naming the
 * loss and the coupling to declare, so a definition cannot depend on the batch without saying so (the
 * compiled kernel and the tests rely on the declared coupling).
 */
export function noBatchMeans<T>(loss: string): BatchMeans<T> {
  const missing = (): never => {
    throw new LossMissingInputError(
      loss,
      "batch means",
      'declare coupling "batch-means" (or "detached-batch-means") in the definition to read them',
    );
  };
  return {
    get policyChosen(): T {
      return missing();
    },
    get policyRejected(): T {
      return missing();
    },
    get chosenLength(): T {
      return missing();
    },
    get rejectedLength(): T {
      return missing();
    },
    get chosenLogRatio(): T {
      return missing();
    },
    get rejectedLogRatio(): T {
      return missing();
    },
  };
}
