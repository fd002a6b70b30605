import { checkNumber } from "../train-config-error.js";
import { defineOptimizer } from "./optimizer-definition.js";

/** RMSProp options (PyTorch's names and defaults). */
export interface RmspropConfig {
  /** Smoothing constant α of the squared-gradient average (default 0.99). */
  alpha: number;
  /** ε added to the root (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
}

/**
 * RMSProp as `torch.optim.RMSprop` (not centred, no momentum): the paper's optimizer.
 *
 * ```text
 * g ← g + λw
 * v ← αv + (1 − α)g²
 * w ← w − lr·g/(√v + ε)
 * ```
 */
export const rmsprop = defineOptimizer<RmspropConfig>({
  name: "rmsprop",
  defaults: { alpha: 0.99, eps: 1e-8, weightDecay: 0 },
  stateNames: () => ["square_avg"],
  validate(c) {
    checkNumber("optimizer.alpha", c.alpha, 0, 1, { hiOpen: true });
    checkNumber("optimizer.eps", c.eps, 0, 1, { loOpen: true });
    checkNumber("optimizer.weightDecay", c.weightDecay, 0, Number.POSITIVE_INFINITY);
  },
  emit(g, dtype, s, c) {
    let grad = s.grad;
    if (c.weightDecay > 0)
      grad = g.op("Add", [grad, g.op("Mul", [g.scalar(c.weightDecay, dtype), s.weight])]);
    const avg = g.op("Add", [
      g.op("Mul", [g.scalar(c.alpha, dtype), s.state.square_avg as string]),
      g.op("Mul", [g.scalar(1 - c.alpha, dtype), g.op("Mul", [grad, grad])]),
    ]);
    const denom = g.op("Add", [g.op("Sqrt", [avg]), g.scalar(c.eps, dtype)]);
    const weight = g.op("Sub", [s.weight, g.op("Mul", [s.lr, g.op("Div", [grad, denom])])]);
    return { weight, state: { square_avg: avg } };
  },
});
