import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta, checkRange } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";

/** Parameters of DiscoPOP. */
export interface DiscopopParams {
  /** β > 0 (default 0.1). */
  beta: number;
  /** Temperature τ > 0 of the modulation (TRL's `discopop_tau`, default 0.05). */
  tau: number;
}

/**
 * DiscoPOP, the log-ratio modulated loss found by LLM-driven search (TRL `discopop`).
 *
 * ```text
 * x = βz, m = σ(x/τ)
 * L = (1 − m) sp(−x) + m e^(−x)
 * g(x) = dL/dx = (m(1 − m)/τ)(e^(−x) − sp(−x)) − (1 − m) σ(−x) − m e^(−x)
 * ∂L/∂c = β g(x) = −∂L/∂r
 * ```
 * m·e^(−x) is evaluated as exp(log σ(x/τ) − x) and m(1 − m)e^(−x) as exp(log σ'(x/τ) − x): the literal
 * products are 0·∞ = NaN once x ≲ −709.
 * Reference: Chris Lu et al. 2024, "Discovering Preference Optimization Algorithms with and for LLMs".
 */
export const discopop = definePairedLoss<DiscopopParams>({
  name: "discopop",
  reference: "Lu et al. 2024 (DiscoPOP)",
  defaults: { beta: 0.1, tau: 0.05 },
  validate(p) {
    checkBeta("discopop", p.beta);
    checkRange("discopop", "tau", p.tau, 0, Number.POSITIVE_INFINITY, { loOpen: true });
  },
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const { z } = logRatios(m, x);
    const u = m.mul(beta, z);
    const negU = m.neg(u);
    const scaled = m.mul(u, m.constant(1 / p.tau));
    const keep = m.sigmoid(m.neg(scaled)); // 1 − m
    const logistic = m.softplus(negU);
    const modulatedExp = m.exp(m.sub(m.logSigmoid(scaled), u)); // m·e^(−x)
    // m(1−m)/τ · (e^(−x) − sp(−x)), split so that neither product is 0·∞.
    const modSlope = m.mul(m.constant(1 / p.tau), m.sigmoidPrime(scaled));
    const slopeExp = m.mul(
      m.constant(1 / p.tau),
      m.exp(m.sub(m.neg(m.add(m.softplus(scaled), m.softplus(m.neg(scaled)))), u)),
    );
    const g = m.sub(
      m.sub(m.sub(slopeExp, m.mul(modSlope, logistic)), m.mul(keep, m.sigmoid(negU))),
      modulatedExp,
    );
    const grad = m.mul(beta, g);
    return {
      loss: m.add(m.mul(keep, logistic), modulatedExp),
      gradChosen: grad,
      gradRejected: m.neg(grad),
    };
  },
});

/**
 * DiscoPOP loss and gradients. See {@link discopop}.
 * @example
 * ```ts
 * discopopLoss(batch, { tau: 0.05 });
 * ```
 */
export function discopopLoss(batch: PairedBatch, params?: Partial<DiscopopParams>): PairedLossResult {
  return runPairedLoss(discopop, batch, params);
}
