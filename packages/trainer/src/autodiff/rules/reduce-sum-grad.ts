import type { GradientRule } from "../gradient-rule.js";
import { expandReduced } from "./expand-reduced.js";

/**
 * Gradient of `ReduceSum` (axes as attribute or input, `keepdims`, `noop_with_empty_axes`).
 *
 * ```text
 * y = Σ_axes x    dx = expand(unsqueeze(dy, axes), shape(x))
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.ReduceSum === reduceSumGrad;
 * ```
 */
export const reduceSumGrad: GradientRule = {
  opType: "ReduceSum",
  gradient: (ctx) => [expandReduced(ctx), undefined],
};
