import type { TrainStepResult } from "../artifacts/train-step-session.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import type { PreparedMicroBatch } from "./optimizer-step.js";
import { packPairs } from "./pack-pairs.js";
import type { PairLogProbs } from "./pair-log-probs.js";
import type { TrainPair } from "./read-pairs.js";

/**
 * The micro-batch of the pairs at `indices`: packed as 2B rows (chosen, then rejected) with the
 * reference log-probs of those rows in the same order.
 *
 * @example
 * ```ts
 * const micro = prepareMicroBatch(model, pairs, reference, [4, 0, 7, 2]);
 * micro.batch.batch; // 8
 * ```
 */
export function prepareMicroBatch(
  model: PretrainedModel,
  pairs: readonly TrainPair[],
  reference: PairLogProbs,
  indices: readonly number[],
): PreparedMicroBatch {
  const part = indices.map((i) => pairs[i] as TrainPair);
  const referenceLogp = new Float64Array(2 * indices.length);
  indices.forEach((i, k) => {
    referenceLogp[k] = reference.chosen[i] as number;
    referenceLogp[indices.length + k] = reference.rejected[i] as number;
  });
  return { batch: packPairs(model, part), referenceLogp, pairs: indices.length };
}

/**
 * The policy's (before the update) and the reference's log-probs of the pairs of one optimizer step, from
 * the step's per-micro-batch results, in the form {@link evaluatePairs} takes (for the progress line).
 *
 * @example
 * ```ts
 * const { policy, reference } = stepLogProbs(results, micro);
 * ```
 */
export function stepLogProbs(
  results: readonly TrainStepResult[],
  micro: readonly PreparedMicroBatch[],
): { policy: PairLogProbs; reference: PairLogProbs } {
  const rows = { c: [] as number[], r: [] as number[], c0: [] as number[], r0: [] as number[] };
  const tokens = { c: [] as number[], r: [] as number[] };
  results.forEach((result, k) => {
    const m = micro[k] as PreparedMicroBatch;
    for (let i = 0; i < m.pairs; i++) {
      rows.c.push(result.policyLogp[i] as number);
      rows.r.push(result.policyLogp[m.pairs + i] as number);
      rows.c0.push(m.referenceLogp[i] as number);
      rows.r0.push(m.referenceLogp[m.pairs + i] as number);
      tokens.c.push(result.tokens[i] as number);
      tokens.r.push(result.tokens[m.pairs + i] as number);
    }
  });
  const f = (a: number[]) => Float64Array.from(a);
  const lengths = { chosenTokens: f(tokens.c), rejectedTokens: f(tokens.r) };
  return {
    policy: { chosen: f(rows.c), rejected: f(rows.r), ...lengths },
    reference: { chosen: f(rows.c0), rejected: f(rows.r0), ...lengths },
  };
}
