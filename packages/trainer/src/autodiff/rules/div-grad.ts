import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Div` (numpy broadcasting), reusing the forward output y = a / b.
 *
 * ```text
 * da = unbroadcast(dy / b, a)    db = unbroadcast(−dy ⊙ a / b², b) = unbroadcast(−dy ⊙ y / b, b)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Div === divGrad;
 * ```
 */
export const divGrad: GradientRule = {
  opType: "Div",
  gradient: (ctx) => {
    const { g } = ctx;
    const [a, b] = [ctx.input(0), ctx.input(1)];
    const da = ctx.needsGrad(0) ? ctx.reduceTo(g.op("Div", [ctx.dy(), b]), a) : undefined;
    const db = ctx.needsGrad(1)
      ? ctx.reduceTo(g.op("Neg", [g.op("Div", [g.op("Mul", [ctx.dy(), ctx.output(0)]), b])]), b)
      : undefined;
    return [da, db];
  },
};
