import { estimateKl } from "@apo/losses";
import { runUnpairedLoss, type UnpairedLossDefinition } from "@apo/losses/define";
import type { PairLogProbs } from "../logprobs/pair-log-probs.js";
import type { EvalMetrics } from "./evaluate-pairs.js";

const mean = (a: readonly number[]) => (a.length === 0 ? 0 : a.reduce((s, x) => s + x, 0) / a.length);

/**
 * Metrics of unpaired (KTO-format) examples, as TRL's KTOTrainer logs them: mean log-likelihood and reward
 * β·(policy − reference) of the desirable examples (`chosen_*`) and of the undesirable ones (`rejected_*`),
 * their margin, the KL estimate from the mismatched sequences, and the loss by its `@apo/losses` function
 * (the definition the training graph emits). `pairs` counts the examples; a group without examples
 * reports 0. `policy`/`reference` are log-probs of the examples (`chosen`) and of their mismatched
 * sequences (`rejected`), as the loop computes them for every example.
 *
 * ```text
 * reward_i = β (policy_i − reference_i)
 * KL       = max(0, mean_i(policy(mismatched_i) − reference(mismatched_i)))
 * accuracy = fraction of examples whose reward has the sign of their label (desirable > 0, undesirable < 0)
 * ```
 *
 * @example
 * ```ts
 * const m = evaluateUnpaired(kto, { beta: 0.1 }, policy, reference, labels, { step: 10, epoch: 1 });
 * m.chosen_reward - m.rejected_reward; // desirable minus undesirable mean reward
 * ```
 */
export function evaluateUnpaired(
  loss: UnpairedLossDefinition,
  lossParams: Record<string, number>,
  policy: PairLogProbs,
  reference: PairLogProbs,
  labels: readonly boolean[],
  at: { step: number; epoch: number },
): EvalMetrics {
  const kl = estimateKl({ policyMismatched: policy.rejected, referenceMismatched: reference.rejected });
  const result = runUnpairedLoss(
    loss,
    {
      policy: policy.chosen,
      reference: reference.chosen,
      label: labels,
      ...(loss.usesKl ? { kl } : {}),
    },
    lossParams,
  );
  const group = (desirable: boolean) => {
    const logp: number[] = [];
    const rewards: number[] = [];
    labels.forEach((label, i) => {
      if (label !== desirable) return;
      logp.push(policy.chosen[i] as number);
      rewards.push(result.rewards[i] as number);
    });
    return { logp: mean(logp), reward: mean(rewards) };
  };
  const good = group(true);
  const bad = group(false);
  const agree = labels.map((label, i) => {
    const r = result.rewards[i] as number;
    return (label ? r > 0 : r < 0) ? 1 : 0;
  });
  return {
    step: at.step,
    epoch: at.epoch,
    pairs: labels.length,
    chosen_logp: good.logp,
    rejected_logp: bad.logp,
    chosen_reward: good.reward,
    rejected_reward: bad.reward,
    reward_margin: good.reward - bad.reward,
    reward_accuracy: mean(agree),
    loss: result.loss,
    kl,
  };
}
