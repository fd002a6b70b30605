import type { UnpairedBatch, UnpairedLossResult } from "../batch.js";
import { defineUnpairedLoss } from "../definition.js";
import { checkBeta, checkRange } from "../params.js";
import { runUnpairedLoss } from "../run-unpaired-loss.js";

/** Parameters of KTO. */
export interface KtoParams {
  /** β > 0 (default 0.1). */
  beta: number;
  /** Weight w_d ≥ 0 of desirable examples (default 1). */
  desirableWeight: number;
  /** Weight w_u ≥ 0 of undesirable examples (default 1). */
  undesirableWeight: number;
}

/**
 * Kahneman–Tversky optimisation on unpaired data (TRL `KTOTrainer`, `loss_type="kto"`).
 *
 * ```text
 * Δ = policy − reference,  KL = detached reference point (given or estimated)
 * desirable:   L = w_d (1 − σ(β(Δ − KL)))      ∂L/∂policy = −w_d β σ'(β(Δ − KL))
 * undesirable: L = w_u σ(β(KL − Δ))             ∂L/∂policy = +w_u β σ'(β(KL − Δ))
 * ```
 * (σ(β(KL − Δ)) = 1 − σ(β(Δ − KL)), TRL's undesirable form.) The batch loss is the mean over all examples.
 * Reference: Ethayarajh et al. 2024, "KTO: Model Alignment as Prospect Theoretic Optimization".
 */
export const kto = defineUnpairedLoss<KtoParams>({
  name: "kto",
  reference: "Ethayarajh et al. 2024 (KTO)",
  defaults: { beta: 0.1, desirableWeight: 1, undesirableWeight: 1 },
  usesKl: true,
  validate(p) {
    checkBeta("kto", p.beta);
    checkRange("kto", "desirableWeight", p.desirableWeight, 0, Number.POSITIVE_INFINITY);
    checkRange("kto", "undesirableWeight", p.undesirableWeight, 0, Number.POSITIVE_INFINITY);
  },
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const u = m.mul(beta, m.sub(m.sub(x.policy, x.reference), x.kl));
    const slope = m.mul(beta, m.sigmoidPrime(u));
    const wd = m.mul(m.constant(p.desirableWeight), x.desirable);
    const wu = m.mul(m.constant(p.undesirableWeight), m.sub(m.constant(1), x.desirable));
    return {
      loss: m.add(m.mul(wd, m.sigmoid(m.neg(u))), m.mul(wu, m.sigmoid(u))),
      grad: m.mul(m.sub(wu, wd), slope),
    };
  },
});

/**
 * KTO loss and gradients on an unpaired batch. See {@link kto}.
 * @example
 * ```ts
 * ktoLoss({ policy: [-10, -12], reference: [-11, -11], label: [true, false], kl: 0.3 });
 * ```
 */
export function ktoLoss(batch: UnpairedBatch, params?: Partial<KtoParams>): UnpairedLossResult {
  return runUnpairedLoss(kto, batch, params);
}
