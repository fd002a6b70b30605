import { checkNumber } from "../train-config-error.js";
import { defineOptimizer } from "./optimizer-definition.js";

/** SGD options (PyTorch's names and defaults). */
export interface SgdConfig {
  /** Momentum μ ∈ [0, 1) (default 0: plain SGD, no state). */
  momentum: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
}

/**
 * Stochastic gradient descent with optional momentum and L2 weight decay, as `torch.optim.SGD`.
 *
 * ```text
 * g ← g + λw
 * b ← μb + g          (momentum > 0)
 * w ← w − lr·b        (b = g without momentum)
 * ```
 */
export const sgd = defineOptimizer<SgdConfig>({
  name: "sgd",
  defaults: { momentum: 0, weightDecay: 0 },
  stateNames: (c) => (c.momentum > 0 ? ["momentum"] : []),
  validate(c) {
    checkNumber("optimizer.momentum", c.momentum, 0, 1, { hiOpen: true });
    checkNumber("optimizer.weightDecay", c.weightDecay, 0, Number.POSITIVE_INFINITY);
  },
  emit(g, dtype, s, c) {
    let grad = s.grad;
    if (c.weightDecay > 0)
      grad = g.op("Add", [grad, g.op("Mul", [g.scalar(c.weightDecay, dtype), s.weight])]);
    const state: Record<string, string> = {};
    if (c.momentum > 0) {
      const buffer = s.state.momentum as string;
      grad = g.op("Add", [g.op("Mul", [g.scalar(c.momentum, dtype), buffer]), grad]);
      state.momentum = grad;
    }
    return { weight: g.op("Sub", [s.weight, g.op("Mul", [s.lr, grad])]), state };
  },
});
