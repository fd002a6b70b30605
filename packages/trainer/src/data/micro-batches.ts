import { packSequences } from "../logprobs/pack-sequences.js";
import type { PairLogProbs } from "../logprobs/pair-log-probs.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import type { PreparedMicroBatch } from "../train/optimizer-step.js";
import type { TrainStepResult } from "../train-step/train-step-session.js";
import { packPairs } from "./pack-pairs.js";
import type { TrainPair } from "./read-pairs.js";

/**
 * The micro-batch of the pairs at `indices`: packed as 2B rows (chosen, then rejected) with the
 * reference log-probs of those rows in the same order, and, when the pairs were read with their anchors
 * (a loss that reads them), the B `anchorDown` weights.
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
  const anchorDown = anchorsOf(part);
  return {
    batch: packPairs(model, part),
    referenceLogp,
    pairs: indices.length,
    ...(anchorDown === undefined ? {} : { anchorDown }),
  };
}

/**
 * The per-pair anchor weights of pairs read with their anchors (`TrainPair.anchor`), in order; undefined
 * when any pair has none (pairs read for a loss that does not use them).
 *
 * @example
 * ```ts
 * anchorsOf(held); // Float64Array [0, 1, 0.5]
 * ```
 */
export function anchorsOf(pairs: readonly TrainPair[]): Float64Array | undefined {
  if (pairs.length === 0 || pairs.some((p) => p.anchor === undefined)) return undefined;
  return Float64Array.from(pairs, (p) => p.anchor as number);
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

/**
 * The micro-batch of the unpaired examples at `indices` (their mismatched sequences in `rejected`, see
 * `mismatchExamples`): the B examples' rows, then, for a loss that estimates KL (`kto`), their B
 * mismatched rows, with the reference log-probs of those rows in the same order and the B labels.
 *
 * @example
 * ```ts
 * const micro = prepareUnpairedMicroBatch(model, pairs, reference, labels, [3, 1], true);
 * micro.batch.batch; // 4: two examples, then their two mismatched sequences
 * ```
 */
export function prepareUnpairedMicroBatch(
  model: PretrainedModel,
  pairs: readonly TrainPair[],
  reference: PairLogProbs,
  labels: readonly boolean[],
  indices: readonly number[],
  withMismatched: boolean,
): PreparedMicroBatch {
  const part = indices.map((i) => pairs[i] as TrainPair);
  const microLabels = indices.map((i) => labels[i] as boolean);
  if (withMismatched) {
    return { ...prepareMicroBatch(model, pairs, reference, indices), labels: microLabels };
  }
  const referenceLogp = Float64Array.from(indices, (i) => reference.chosen[i] as number);
  const batch = packSequences(
    part.map((p) => p.chosen),
    {
      padId: model.tokenizer?.padTokenId ?? model.config.eosTokenId ?? 0,
      maxLength: model.config.maxPositions,
      vocabSize: model.config.vocabSize,
    },
  );
  return { batch, referenceLogp, pairs: indices.length, labels: microLabels };
}

/**
 * The policy's (before the update) and the reference's log-probs of the unpaired examples of one optimizer
 * step, and their labels, in the form `evaluateUnpaired` takes (for the progress line). Without mismatched
 * rows in the batch, `rejected` repeats the examples' own log-probs (a KL estimate of 0 ± the step's change).
 *
 * @example
 * ```ts
 * const { policy, reference, labels } = stepUnpairedLogProbs(results, micro);
 * ```
 */
export function stepUnpairedLogProbs(
  results: readonly TrainStepResult[],
  micro: readonly PreparedMicroBatch[],
): { policy: PairLogProbs; reference: PairLogProbs; labels: boolean[] } {
  const rows = { p: [] as number[], pm: [] as number[], q: [] as number[], qm: [] as number[] };
  const tokens: number[] = [];
  const labels: boolean[] = [];
  results.forEach((result, k) => {
    const m = micro[k] as PreparedMicroBatch;
    const mismatched = m.batch.batch === 2 * m.pairs ? m.pairs : 0;
    for (let i = 0; i < m.pairs; i++) {
      rows.p.push(result.policyLogp[i] as number);
      rows.pm.push(result.policyLogp[mismatched + i] as number);
      rows.q.push(m.referenceLogp[i] as number);
      rows.qm.push(m.referenceLogp[mismatched + i] as number);
      tokens.push(result.tokens[i] as number);
      labels.push(Boolean(m.labels?.[i]));
    }
  });
  const f = (a: number[]) => Float64Array.from(a);
  const lengths = { chosenTokens: f(tokens), rejectedTokens: f(tokens) };
  return {
    policy: { chosen: f(rows.p), rejected: f(rows.pm), ...lengths },
    reference: { chosen: f(rows.q), rejected: f(rows.qm), ...lengths },
    labels,
  };
}
