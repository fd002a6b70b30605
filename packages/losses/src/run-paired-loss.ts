import type { PairedBatch, PairedLossResult, ReferenceFreeBatch } from "./batch.js";
import { computeBatchMeans, noBatchMeans, readsBatchMeans } from "./batch-means.js";
import { compilePairedKernel } from "./compile-paired-kernel.js";
import type { BatchMeans, LossParams, PairedLossDefinition, PairedTerms } from "./definition.js";
import {
  LossDomainError,
  LossEmptyBatchError,
  LossMissingInputError,
  LossNonFiniteInputError,
  LossParameterError,
} from "./errors.js";
import { numberMath } from "./math/number-math.js";
import { resolveParams } from "./params.js";
import {
  checkLength,
  checkOutputs,
  resolveAnchorDown,
  resolveLengths,
  stableMean,
  throwIfNonFiniteAt,
} from "./validate.js";
import { partParams } from "./weighted-loss-sum.js";

/**
 * Evaluates a paired loss definition on a batch in float64: validates inputs and parameters, applies the
 * definition's batch coupling (rank sorting, batch means, or a weighted sum of parts), and returns
 * per-example losses, gradients and rewards.
 *
 * Errors: a `LossLengthMismatchError` naming the field and both lengths, a `LossNonFiniteInputError` naming
 * field and index, a `LossParameterError` naming the parameter, a `LossInvalidLengthError` for token counts
 * < 1, a `LossMissingInputError` (field `anchorDown`) when a loss that reads per-pair anchors gets none and
 * a `LossDomainError` for an anchor outside [0, 1], a `LossOverflowError` if finite inputs still overflow.
 * Never returns NaN.
 */
export function runPairedLoss<P extends LossParams>(
  definition: PairedLossDefinition<P>,
  batch: PairedBatch | ReferenceFreeBatch,
  given?: Partial<P>,
): PairedLossResult {
  const name = definition.name;
  const params = resolveParams(name, definition.defaults, given);
  definition.validate(params);
  if (definition.coupling === "weighted-sum") return runWeightedSum(definition, batch, params);

  const c = batch.policyChosen;
  const r = batch.policyRejected;
  const n = c.length;
  if (n === 0) throw new LossEmptyBatchError(name);
  checkLength("policyRejected", r, n, "policyChosen");
  const referenceFree = definition.rewards !== "log-ratio";
  const c0 = batch.referenceChosen ?? (referenceFree ? undefined : missingReference(name, "referenceChosen"));
  const r0 =
    batch.referenceRejected ?? (referenceFree ? undefined : missingReference(name, "referenceRejected"));
  if (c0 !== undefined) checkLength("referenceChosen", c0, n, "policyChosen");
  if (r0 !== undefined) checkLength("referenceRejected", r0, n, "policyChosen");
  const lc = resolveLengths(
    name,
    "chosenLength",
    batch.chosenLength,
    n,
    definition.usesLengths,
    "policyChosen",
  );
  const lr = resolveLengths(
    name,
    "rejectedLength",
    batch.rejectedLength,
    n,
    definition.usesLengths,
    "policyChosen",
  );
  const anchors = resolveAnchorDown(name, batch.anchorDown, n, definition.usesAnchorDown);

  if (definition.negativeLogProbs) {
    checkNegative(name, "policyChosen", c);
    checkNegative(name, "policyRejected", r);
  }
  const fields: Array<readonly [string, ArrayLike<number>]> = [
    ["policyChosen", c],
    ["policyRejected", r],
  ];
  if (c0 !== undefined) fields.push(["referenceChosen", c0]);
  if (r0 !== undefined) fields.push(["referenceRejected", r0]);
  const losses = new Float64Array(n);
  const gradChosen = new Float64Array(n);
  const gradRejected = new Float64Array(n);
  const chosenRewards = new Float64Array(n);
  const rejectedRewards = new Float64Array(n);
  const x: PairedTerms<number> = {
    policyChosen: 0,
    policyRejected: 0,
    referenceChosen: 0,
    referenceRejected: 0,
    chosenLength: 1,
    rejectedLength: 1,
    anchorDown: 0,
  };
  const beta = (params as { beta?: number }).beta ?? 1;
  const rewards = definition.rewards;
  const rankCoupled = definition.coupling === "sorted-log-ratios" || definition.coupling === "sorted-margins";
  if (rankCoupled && anchors !== undefined) {
    // The formula of a rank-coupled loss sees matched ranks, not pairs: a pair's anchor has no place in it.
    throw new LossParameterError(name, "usesAnchorDown", true, "false for a rank-coupled loss");
  }
  const means: BatchMeans<number> = readsBatchMeans(definition.coupling)
    ? computeBatchMeans(fields, c, r, c0, r0, lc, lr)
    : noBatchMeans(name);
  let sum = 0;
  let lossSum = 0;

  // Fast path: the definition compiled into one loop (same operations as the interpreted loop below).
  const compiled =
    definition.coupling === "none" &&
    (c0 === undefined) === (r0 === undefined) &&
    (lc === undefined) === (lr === undefined);
  let interpretFrom = 0;
  if (compiled) {
    const kernel = compilePairedKernel(definition, params, beta, {
      hasReference: c0 !== undefined,
      hasLengths: lc !== undefined,
      hasAnchorDown: anchors !== undefined,
    });
    const sums = new Float64Array(2);
    const stoppedAt = kernel(n, {
      policyChosen: c,
      policyRejected: r,
      referenceChosen: c0,
      referenceRejected: r0,
      chosenLength: lc,
      rejectedLength: lr,
      anchorDown: anchors,
      losses,
      gradChosen,
      gradRejected,
      chosenRewards,
      rejectedRewards,
      sums,
    });
    lossSum = sums[0] as number;
    sum = sums[1] as number;
    // −1: done. Otherwise example `stoppedAt` has a non-finite input (throws below) or its inputs only
    // overflowed when summed for the check: the interpreted loop takes over from there.
    interpretFrom = stoppedAt < 0 ? n : stoppedAt;
  }

  for (let i = interpretFrom; i < n; i++) {
    const ci = c[i] as number;
    const ri = r[i] as number;
    const c0i = c0 === undefined ? 0 : (c0[i] as number);
    const r0i = r0 === undefined ? 0 : (r0[i] as number);
    const s = ci + ri + c0i + r0i;
    if (s - s !== 0) throwIfNonFiniteAt(fields, i);
    const lci = lc === undefined ? 1 : (lc[i] as number);
    const lri = lr === undefined ? 1 : (lr[i] as number);
    // Rewards are per example whatever the coupling: β·(c − c0), β·c or β·c/ℓ.
    if (rewards === "log-ratio") {
      chosenRewards[i] = beta * (ci - c0i);
      rejectedRewards[i] = beta * (ri - r0i);
    } else if (rewards === "log-prob") {
      chosenRewards[i] = beta * ci;
      rejectedRewards[i] = beta * ri;
    } else {
      chosenRewards[i] = (beta * ci) / lci;
      rejectedRewards[i] = (beta * ri) / lri;
    }
    if (rankCoupled) continue;
    x.policyChosen = ci;
    x.policyRejected = ri;
    x.referenceChosen = c0i;
    x.referenceRejected = r0i;
    x.chosenLength = lci;
    x.rejectedLength = lri;
    x.anchorDown = anchors === undefined ? 0 : (anchors[i] as number);
    const out = definition.terms(numberMath, x, params, means);
    losses[i] = out.loss;
    gradChosen[i] = out.gradChosen;
    gradRejected[i] = out.gradRejected;
    lossSum += out.loss;
    sum += out.gradChosen + out.gradRejected;
  }
  if (rankCoupled) {
    const coupled = runRankCoupled(
      definition,
      params,
      c,
      r,
      c0 ?? new Float64Array(n),
      r0 ?? new Float64Array(n),
      {
        losses,
        gradChosen,
        gradRejected,
      },
    );
    lossSum = coupled.lossSum;
    sum = coupled.gradSum;
  }
  checkOutputs(
    name,
    [
      ["losses", losses],
      ["gradChosen", gradChosen],
      ["gradRejected", gradRejected],
    ],
    lossSum + sum,
  );
  return {
    loss: stableMean(losses, lossSum),
    losses,
    gradChosen,
    gradRejected,
    chosenRewards,
    rejectedRewards,
  };
}

function checkNegative(loss: string, field: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v < 0)) {
      if (!Number.isFinite(v)) throw new LossNonFiniteInputError(field, i, v);
      throw new LossDomainError(loss, field, i, v, "a log-probability < 0");
    }
  }
}

function missingReference(loss: string, field: string): never {
  throw new LossMissingInputError(loss, field, "this loss compares the policy with a reference model");
}

/** Indices that sort `keys` ascending (stable). */
function argsort(keys: Float64Array): Uint32Array {
  const order = new Uint32Array(keys.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
}

/**
 * AOT's couplings: two quantities are sorted independently and the k-th smallest of one is paired with the
 * k-th smallest of the other; the formula then sees (first, 0, second, 0) for "sorted-margins" and
 * (first, second, 0, 0) for "sorted-log-ratios". Gradients flow back through the sort permutations.
 */
function runRankCoupled<P extends LossParams>(
  definition: PairedLossDefinition<P>,
  params: P,
  c: ArrayLike<number>,
  r: ArrayLike<number>,
  c0: ArrayLike<number>,
  r0: ArrayLike<number>,
  out: { losses: Float64Array; gradChosen: Float64Array; gradRejected: Float64Array },
): { lossSum: number; gradSum: number } {
  const n = c.length;
  const first = new Float64Array(n);
  const second = new Float64Array(n);
  const margins = definition.coupling === "sorted-margins";
  for (let i = 0; i < n; i++) {
    const ci = c[i] as number;
    const ri = r[i] as number;
    const c0i = c0[i] as number;
    const r0i = r0[i] as number;
    first[i] = margins ? ci - ri : ci - c0i;
    second[i] = margins ? c0i - r0i : ri - r0i;
  }
  const firstOrder = argsort(first);
  const secondOrder = argsort(second);
  let lossSum = 0;
  let gradSum = 0;
  for (let k = 0; k < n; k++) {
    const i = firstOrder[k] as number;
    const j = secondOrder[k] as number;
    const x: PairedTerms<number> = margins
      ? {
          policyChosen: first[i] as number,
          policyRejected: 0,
          referenceChosen: second[j] as number,
          referenceRejected: 0,
          chosenLength: 1,
          rejectedLength: 1,
          anchorDown: 0,
        }
      : {
          policyChosen: first[i] as number,
          policyRejected: second[j] as number,
          referenceChosen: 0,
          referenceRejected: 0,
          chosenLength: 1,
          rejectedLength: 1,
          anchorDown: 0,
        };
    const o = definition.terms(numberMath, x, params, noBatchMeans<number>(definition.name));
    out.losses[k] = o.loss;
    if (margins) {
      // first = c − r (policy margin) at example i.
      out.gradChosen[i] = (out.gradChosen[i] as number) + o.gradChosen;
      out.gradRejected[i] = (out.gradRejected[i] as number) - o.gradChosen;
    } else {
      out.gradChosen[i] = (out.gradChosen[i] as number) + o.gradChosen;
      out.gradRejected[j] = (out.gradRejected[j] as number) + o.gradRejected;
    }
    lossSum += o.loss;
    gradSum += o.gradChosen + o.gradRejected;
  }
  return { lossSum, gradSum };
}

/**
 * A `"weighted-sum"` definition: each part runs on the batch with its own coupling and the parameters it
 * knows; losses and gradients add up weighted, the rewards are the first part's.
 *
 * ```text
 * loss = Σₖ wₖ·mean_i Lₖ,ᵢ    losses[i] = Σₖ wₖ Lₖ,ᵢ    gradChosen[i] = Σₖ wₖ ∂(Σⱼ Lₖ,ⱼ)/∂cᵢ
 * ```
 */
function runWeightedSum(
  definition: PairedLossDefinition,
  batch: PairedBatch | ReferenceFreeBatch,
  params: LossParams,
): PairedLossResult {
  const parts = definition.parts ?? [];
  if (parts.length === 0) {
    throw new LossParameterError(definition.name, "parts", "[]", "at least one weighted loss");
  }
  let combined: PairedLossResult | undefined;
  for (const part of parts) {
    const result = runPairedLoss(part.definition, batch, partParams(part.definition, params));
    const w = part.weight;
    if (combined === undefined) {
      const n = result.losses.length;
      combined = {
        loss: 0,
        losses: new Float64Array(n),
        gradChosen: new Float64Array(n),
        gradRejected: new Float64Array(n),
        chosenRewards: result.chosenRewards,
        rejectedRewards: result.rejectedRewards,
      };
    }
    combined.loss += w * result.loss;
    for (let i = 0; i < result.losses.length; i++) {
      combined.losses[i] = (combined.losses[i] as number) + w * (result.losses[i] as number);
      combined.gradChosen[i] = (combined.gradChosen[i] as number) + w * (result.gradChosen[i] as number);
      combined.gradRejected[i] =
        (combined.gradRejected[i] as number) + w * (result.gradRejected[i] as number);
    }
  }
  return combined as PairedLossResult;
}
