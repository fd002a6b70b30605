import { type PairedLossDefinition, runPairedLoss } from "@apo/losses/define";
import type { PairLogProbs } from "../logprobs/pair-log-probs.js";

/**
 * One evaluation on held-out pairs: the quantities of the paper's Figure 4 plus the loss. Log-likelihoods
 * are summed completion log-probs averaged over pairs; rewards are the loss's implicit rewards (β·Δ for
 * reference-based losses), averaged over pairs. For unpaired (KTO-format) data, as TRL's KTOTrainer logs
 * them, "chosen" means the desirable and "rejected" the undesirable examples (see `evaluateUnpaired`).
 *
 * @example
 * ```ts
 * const last: EvalMetrics | undefined = summary.metrics.at(-1);
 * last?.reward_accuracy; // 0.9
 * ```
 */
export interface EvalMetrics {
  /** Optimizer steps taken when evaluated. */
  step: number;
  /** Epochs done (fractional). */
  epoch: number;
  pairs: number;
  chosen_logp: number;
  rejected_logp: number;
  chosen_reward: number;
  rejected_reward: number;
  /** mean(chosen reward − rejected reward) */
  reward_margin: number;
  /** Fraction of pairs whose chosen reward exceeds the rejected reward. */
  reward_accuracy: number;
  /** The training loss on these pairs. */
  loss: number;
  /** Unpaired data only: the KL estimate max(0, mean(policy − reference)) over the mismatched sequences. */
  kl?: number;
}

const mean = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  return a.length === 0 ? 0 : s / a.length;
};

/**
 * Figure-4 metrics of the policy's log-probs against the reference's on the same pairs, with the loss
 * computed by its `@apo/losses` JavaScript function (the same definition the training graph emits).
 * `anchorDown` holds the pairs' anchor weights for a loss that reads them (`apo_anchored`).
 *
 * ```text
 * reward_c = β (c − c₀),  reward_r = β (r − r₀)       (for reference-based losses)
 * margin   = mean(reward_c − reward_r),  accuracy = mean[reward_c > reward_r]
 * ```
 *
 * @example
 * ```ts
 * const m = evaluatePairs(apoZero, { beta: 0.1 }, policy, reference, { step: 10, epoch: 1 });
 * m.reward_margin;
 * ```
 */
export function evaluatePairs(
  loss: PairedLossDefinition,
  lossParams: Record<string, number>,
  policy: PairLogProbs,
  reference: PairLogProbs,
  at: { step: number; epoch: number },
  anchorDown?: ArrayLike<number>,
): EvalMetrics {
  const result = runPairedLoss(
    loss,
    {
      policyChosen: policy.chosen,
      policyRejected: policy.rejected,
      referenceChosen: reference.chosen,
      referenceRejected: reference.rejected,
      chosenLength: policy.chosenTokens,
      rejectedLength: policy.rejectedTokens,
      ...(anchorDown === undefined ? {} : { anchorDown }),
    },
    lossParams,
  );
  const margins = result.chosenRewards.map((c, i) => c - (result.rejectedRewards[i] as number));
  return {
    step: at.step,
    epoch: at.epoch,
    pairs: policy.chosen.length,
    chosen_logp: mean(policy.chosen),
    rejected_logp: mean(policy.rejected),
    chosen_reward: mean(result.chosenRewards),
    rejected_reward: mean(result.rejectedRewards),
    reward_margin: mean(margins),
    reward_accuracy: mean(margins.map((m) => (m > 0 ? 1 : 0))),
    loss: result.loss,
  };
}
