import { checkNumber } from "../train-config-error.js";
import { defineOptimizer } from "./optimizer-definition.js";

/** AdamW options (PyTorch's names and defaults). */
export interface AdamwConfig {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay λ (default 0.01). */
  weightDecay: number;
}

/**
 * AdamW as `torch.optim.AdamW`, with bias correction by the 1-based step t.
 *
 * ```text
 * w ← w·(1 − lr·λ)
 * m ← β₁m + (1 − β₁)g        v ← β₂v + (1 − β₂)g²
 * w ← w − lr·(m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε)
 * ```
 */
export const adamw = defineOptimizer<AdamwConfig>({
  name: "adamw",
  defaults: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
  stateNames: () => ["exp_avg", "exp_avg_sq"],
  validate(c) {
    checkNumber("optimizer.beta1", c.beta1, 0, 1, { hiOpen: true });
    checkNumber("optimizer.beta2", c.beta2, 0, 1, { hiOpen: true });
    checkNumber("optimizer.eps", c.eps, 0, 1, { loOpen: true });
    checkNumber("optimizer.weightDecay", c.weightDecay, 0, Number.POSITIVE_INFINITY);
  },
  emit(g, dtype, s, c) {
    const one = g.scalar(1, dtype);
    const decayed = g.op("Mul", [
      s.weight,
      g.op("Sub", [one, g.op("Mul", [s.lr, g.scalar(c.weightDecay, dtype)])]),
    ]);
    const m = g.op("Add", [
      g.op("Mul", [g.scalar(c.beta1, dtype), s.state.exp_avg as string]),
      g.op("Mul", [g.scalar(1 - c.beta1, dtype), s.grad]),
    ]);
    const v = g.op("Add", [
      g.op("Mul", [g.scalar(c.beta2, dtype), s.state.exp_avg_sq as string]),
      g.op("Mul", [g.scalar(1 - c.beta2, dtype), g.op("Mul", [s.grad, s.grad])]),
    ]);
    const correction1 = g.op("Sub", [one, g.op("Pow", [g.scalar(c.beta1, dtype), s.step])]);
    const correction2 = g.op("Sub", [one, g.op("Pow", [g.scalar(c.beta2, dtype), s.step])]);
    const mHat = g.op("Div", [m, correction1]);
    const denom = g.op("Add", [g.op("Sqrt", [g.op("Div", [v, correction2])]), g.scalar(c.eps, dtype)]);
    const weight = g.op("Sub", [decayed, g.op("Mul", [s.lr, g.op("Div", [mHat, denom])])]);
    return { weight, state: { exp_avg: m, exp_avg_sq: v } };
  },
});
