import type { UnpairedBatch, UnpairedLossResult } from "./batch.js";
import type { LossParams, UnpairedLossDefinition, UnpairedTerms } from "./definition.js";
import { LossEmptyBatchError, LossMissingInputError, LossParameterError } from "./errors.js";
import { estimateKl } from "./estimate-kl.js";
import { numberMath } from "./math/number-math.js";
import { resolveParams } from "./params.js";
import { checkLength, checkOutputs, stableMean, throwIfNonFiniteAt } from "./validate.js";

/**
 * Evaluates an unpaired (KTO-format) loss definition on a batch in float64. The KL reference point comes
 * from `batch.kl` when given, else from `estimateKl` over the mismatched log-probs; it is detached.
 */
export function runUnpairedLoss<P extends LossParams>(
  definition: UnpairedLossDefinition<P>,
  batch: UnpairedBatch,
  given?: Partial<P>,
): UnpairedLossResult {
  const name = definition.name;
  const params = resolveParams(name, definition.defaults, given);
  definition.validate(params);
  const { policy, reference, label } = batch;
  const n = policy.length;
  if (n === 0) throw new LossEmptyBatchError(name);
  checkLength("reference", reference, n, "policy");
  checkLength("label", label, n, "policy");
  const kl = definition.usesKl ? resolveKl(name, batch) : 0;

  const fields = [
    ["policy", policy],
    ["reference", reference],
  ] as const;
  const losses = new Float64Array(n);
  const grad = new Float64Array(n);
  const rewards = new Float64Array(n);
  const beta = (params as { beta?: number }).beta ?? 1;
  const x: UnpairedTerms<number> = { policy: 0, reference: 0, desirable: 0, kl };
  let sum = 0;
  let lossSum = 0;
  for (let i = 0; i < n; i++) {
    const p = policy[i] as number;
    const q = reference[i] as number;
    if (p + q - (p + q) !== 0) throwIfNonFiniteAt(fields, i);
    x.policy = p;
    x.reference = q;
    x.desirable = label[i] ? 1 : 0;
    const out = definition.terms(numberMath, x, params);
    losses[i] = out.loss;
    grad[i] = out.grad;
    rewards[i] = beta * (p - q);
    lossSum += out.loss;
    sum += out.loss + out.grad;
  }
  checkOutputs(
    name,
    [
      ["losses", losses],
      ["grad", grad],
    ],
    sum,
  );
  return { loss: stableMean(losses, lossSum), losses, grad, rewards, kl };
}

function resolveKl(loss: string, batch: UnpairedBatch): number {
  if (batch.kl !== undefined) {
    if (!(batch.kl >= 0) || !Number.isFinite(batch.kl)) {
      throw new LossParameterError(loss, "kl", batch.kl, "a finite number ≥ 0");
    }
    return batch.kl;
  }
  const { policyMismatched, referenceMismatched } = batch;
  if (policyMismatched === undefined || referenceMismatched === undefined) {
    throw new LossMissingInputError(
      loss,
      policyMismatched === undefined ? "policyMismatched" : "referenceMismatched",
      "pass `kl`, or the log-probs of mismatched (prompt, completion) pairs to estimate it",
    );
  }
  return estimateKl({ policyMismatched, referenceMismatched });
}
