import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Log`.
 *
 * ```text
 * y = ln x    dx = dy / x
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Log === logGrad;
 * ```
 */
export const logGrad: GradientRule = {
  opType: "Log",
  gradient: (ctx) => [ctx.g.op("Div", [ctx.dy(), ctx.input(0)])],
};
