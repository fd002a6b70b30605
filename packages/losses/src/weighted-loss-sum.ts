import type {
  BatchMeans,
  LossDefinition,
  LossParams,
  PairedLossDefinition,
  PairedTerms,
  PairedTermsOutput,
  WeightedLossPart,
} from "./definition.js";
import { LossParameterError } from "./errors.js";
import type { LossMath } from "./math/loss-math.js";

/**
 * A part's parameters from a weighted sum's shared record: its defaults, overridden by the names of
 * `params` it knows (the others belong to other parts).
 */
export function partParams(definition: LossDefinition, params: LossParams): Record<string, number> {
  const all = params as Record<string, number>;
  const out: Record<string, number> = { ...(definition.defaults as Record<string, number>) };
  for (const key of Object.keys(out)) {
    if (key in all) out[key] = all[key] as number;
  }
  return out;
}

/**
 * A weighted sum of paired losses as one definition: TRL's `loss_type` list with `loss_weights` (MPO; e.g.
 * `sigmoid` + 0.5·`sft`, RPO-style). It is what `apo train --loss sigmoid,sft --loss-weights 1,0.5` trains:
 * `runPairedLoss` and the trainer's graph emitter evaluate each part with its own coupling (AOT's sorting,
 * SFT's batch token mean) and add the results.
 *
 * ```text
 * L = Σₖ wₖ · mean_i Lₖ,ᵢ        ∂L/∂cᵢ = Σₖ wₖ ∂(mean_j Lₖ,ⱼ)/∂cᵢ
 * ```
 * Parameters are shared as in TRL (one `beta`, one `labelSmoothing`, …): the sum's defaults are the union
 * of the parts' (the first part's value where two parts default a name differently), and each part gets the
 * names it knows. The name is the parts' names joined by `,`; the rewards are the first part's (β·Δ for every
 * DPOTrainer loss, as TRL logs them).
 *
 * @throws LossParameterError for no parts, an unpaired part or a non-finite weight
 * @example
 * ```ts
 * const rpo = weightedLossSum([
 *   { definition: sigmoidLoss, weight: 1 },
 *   { definition: sft, weight: 0.5 },
 * ]);
 * runPairedLoss(rpo, batch, { beta: 0.1 }).loss; // dpo + 0.5·sft
 * ```
 */
export function weightedLossSum(parts: readonly WeightedLossPart[]): PairedLossDefinition<LossParams> {
  if (parts.length === 0) {
    throw new LossParameterError("weightedLossSum", "parts", "[]", "at least one weighted loss");
  }
  const defaults: Record<string, number> = {};
  for (const { definition, weight } of parts) {
    if ((definition as LossDefinition).kind !== "paired") {
      throw new LossParameterError(
        "weightedLossSum",
        "parts",
        definition.name,
        "paired losses (an unpaired loss trains alone)",
      );
    }
    if (!Number.isFinite(weight)) {
      throw new LossParameterError(
        "weightedLossSum",
        `weight of ${definition.name}`,
        weight,
        "a finite number",
      );
    }
    for (const [key, value] of Object.entries(definition.defaults as Record<string, number>)) {
      if (!(key in defaults)) defaults[key] = value;
    }
  }
  const first = parts[0] as WeightedLossPart;
  const name = parts.map((p) => p.definition.name).join(",");
  return {
    kind: "paired",
    name,
    reference: `TRL loss_type list with loss_weights: ${parts.map((p) => `${p.weight}·${p.definition.name}`).join(" + ")}`,
    defaults,
    usesLengths: parts.some((p) => p.definition.usesLengths),
    usesAnchorDown: parts.some((p) => p.definition.usesAnchorDown),
    rewards: first.definition.rewards,
    coupling: "weighted-sum",
    negativeLogProbs: parts.some((p) => p.definition.negativeLogProbs),
    parts: [...parts],
    validate(params) {
      for (const part of parts) part.definition.validate(partParams(part.definition, params));
    },
    terms<T>(
      m: LossMath<T>,
      x: PairedTerms<T>,
      params: LossParams,
      batch: BatchMeans<T>,
    ): PairedTermsOutput<T> {
      // Per example: right for parts without rank coupling; runPairedLoss and the graph emitter never call it.
      let sum: PairedTermsOutput<T> | undefined;
      for (const part of parts) {
        const d = part.definition;
        if (
          d.coupling === "sorted-margins" ||
          d.coupling === "sorted-log-ratios" ||
          d.coupling === "weighted-sum"
        ) {
          throw new LossParameterError(
            name,
            "parts",
            d.name,
            "per-example losses: evaluate a sum with a rank-coupled part with runPairedLoss",
          );
        }
        const out = d.terms(m, x, partParams(d, params), batch);
        const w = m.constant(part.weight);
        const scaled = {
          loss: m.mul(w, out.loss),
          gradChosen: m.mul(w, out.gradChosen),
          gradRejected: m.mul(w, out.gradRejected),
        };
        sum =
          sum === undefined
            ? scaled
            : {
                loss: m.add(sum.loss, scaled.loss),
                gradChosen: m.add(sum.gradChosen, scaled.gradChosen),
                gradRejected: m.add(sum.gradRejected, scaled.gradRejected),
              };
      }
      return sum as PairedTermsOutput<T>;
    },
  };
}
