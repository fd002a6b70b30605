import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss, type PairedTerms, type PairedTermsOutput } from "../definition.js";
import type { LossMath } from "../math/loss-math.js";
import { checkBeta, checkRange } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";
import { smoothedLogistic } from "../terms/smoothed-logistic.js";

/** Parameters of DPO. */
export interface SigmoidParams {
  /** β > 0 (default 0.1). */
  beta: number;
  /**
   * cDPO's label smoothing ε ∈ [0, 0.5] (default 0). **Not TRL 1.13**: its `sigmoid` ignores
   * `label_smoothing`, so this has its own name and the shared `labelSmoothing` of `robust`, `exo_pair` and
   * AOT never reaches it. Set it only to train conservative DPO on purpose.
   */
  cdpoLabelSmoothing: number;
}

/**
 * The label-smoothed logistic loss of the scaled margin βz and its gradients, as TRL writes `aot`,
 * `aot_unpaired` (and cDPO):
 *
 * ```text
 * L = −(1 − ε) logσ(βz) − ε logσ(−βz) = (1 − ε) sp(−βz) + ε sp(βz),   z = Δc − Δr
 * ∂L/∂c = β(−(1 − ε) σ(−βz) + ε σ(βz)) = −∂L/∂r
 * ```
 */
export function smoothedMarginTerms<T>(
  m: LossMath<T>,
  x: PairedTerms<T>,
  beta: number,
  epsilon: number,
): PairedTermsOutput<T> {
  const b = m.constant(beta);
  const { z } = logRatios(m, x);
  const { loss, slope } = smoothedLogistic(m, m.mul(b, z), epsilon);
  const g = m.mul(b, slope);
  return { loss, gradChosen: g, gradRejected: m.neg(g) };
}

/**
 * DPO's sigmoid loss (TRL `sigmoid`), exactly as TRL 1.13 computes it; cDPO label smoothing only through
 * the separately named `cdpoLabelSmoothing` (default 0).
 *
 * ```text
 * L = sp(−βz) = −logσ(βz),  z = Δc − Δr          (ε = cdpoLabelSmoothing = 0)
 * L = (1 − ε) sp(−βz) + ε sp(βz)                   (cDPO, ε > 0: not TRL 1.13)
 * ∂L/∂c = β(−(1 − ε) σ(−βz) + ε σ(βz)) = −∂L/∂r
 * ```
 * Reference: Rafailov et al. 2023, "Direct Preference Optimization"; Mitchell 2023 (cDPO).
 */
export const sigmoidLoss = definePairedLoss<SigmoidParams>({
  name: "sigmoid",
  reference: "Rafailov et al. 2023 (DPO); Mitchell 2023 (cDPO label smoothing, opt-in)",
  defaults: { beta: 0.1, cdpoLabelSmoothing: 0 },
  validate(p) {
    checkBeta("sigmoid", p.beta);
    checkRange("sigmoid", "cdpoLabelSmoothing", p.cdpoLabelSmoothing, 0, 0.5, { hiOpen: false });
  },
  terms: (m, x, p) => smoothedMarginTerms(m, x, p.beta, p.cdpoLabelSmoothing),
});

/**
 * DPO loss and gradients (TRL `loss_type="sigmoid"`). See {@link sigmoidLoss}.
 * @example
 * ```ts
 * import { dpoLoss } from "@apo/losses";
 * dpoLoss({ policyChosen: [-1], policyRejected: [-1], referenceChosen: [-1], referenceRejected: [-1] }).loss; // ln 2
 * ```
 */
export function dpoLoss(batch: PairedBatch, params?: Partial<SigmoidParams>): PairedLossResult {
  return runPairedLoss(sigmoidLoss, batch, params);
}
