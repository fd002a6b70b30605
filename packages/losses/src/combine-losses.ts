import type { PairedBatch, PairedLossResult } from "./batch.js";
import { getLoss, type LossParamsOf } from "./compute-loss.js";
import type { PairedLossDefinition } from "./definition.js";
import { LossParameterError } from "./errors.js";
import type { PairedLossName } from "./losses/index.js";
import { runPairedLoss } from "./run-paired-loss.js";

/** One term of a weighted combination of paired losses. */
export interface WeightedLoss<N extends PairedLossName = PairedLossName> {
  loss: N;
  /** Weight of this term (TRL's `loss_weights`; default 1). */
  weight?: number;
  params?: Partial<LossParamsOf<N>>;
}

/**
 * A weighted sum of paired losses (TRL's list of `loss_type`s with `loss_weights`), e.g. DPO + 1·SFT (RPO).
 *
 * ```text
 * L = Σₖ wₖ Lₖ      ∂L/∂c = Σₖ wₖ ∂Lₖ/∂c      rewards: those of the first term
 * ```
 * @example
 * ```ts
 * combineLosses(batch, [{ loss: "sigmoid" }, { loss: "sft", weight: 1 }]);
 * ```
 */
export function combineLosses(batch: PairedBatch, terms: readonly WeightedLoss[]): PairedLossResult {
  const first = terms[0];
  if (first === undefined) throw new LossParameterError("combineLosses", "terms", "[]", "at least one loss");
  let combined: PairedLossResult | undefined;
  for (const term of terms) {
    const weight = term.weight ?? 1;
    if (!Number.isFinite(weight))
      throw new LossParameterError("combineLosses", `weight of ${term.loss}`, weight, "a finite number");
    const definition: PairedLossDefinition = getLoss(term.loss);
    const result = runPairedLoss(definition, batch, term.params);
    if (combined === undefined) {
      combined = {
        loss: 0,
        losses: new Float64Array(result.losses.length),
        gradChosen: new Float64Array(result.losses.length),
        gradRejected: new Float64Array(result.losses.length),
        chosenRewards: result.chosenRewards,
        rejectedRewards: result.rejectedRewards,
      };
    }
    combined.loss += weight * result.loss;
    for (let i = 0; i < result.losses.length; i++) {
      combined.losses[i] = (combined.losses[i] as number) + weight * (result.losses[i] as number);
      combined.gradChosen[i] = (combined.gradChosen[i] as number) + weight * (result.gradChosen[i] as number);
      combined.gradRejected[i] =
        (combined.gradRejected[i] as number) + weight * (result.gradRejected[i] as number);
    }
  }
  return combined as PairedLossResult;
}
