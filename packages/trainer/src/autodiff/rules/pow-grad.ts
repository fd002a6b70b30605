import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Pow` (numpy broadcasting; the exponent may be an integer tensor, then it gets no gradient).
 *
 * ```text
 * y = a^b    da = unbroadcast(dy ⊙ b ⊙ a^(b−1), a)    db = unbroadcast(dy ⊙ y ⊙ ln a, b)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Pow === powGrad; // x² in RMSNorm: da = 2·x·dy
 * ```
 */
export const powGrad: GradientRule = {
  opType: "Pow",
  gradient: (ctx) => {
    const { g } = ctx;
    const [a, b] = [ctx.input(0), ctx.input(1)];
    let da: string | undefined;
    if (ctx.needsGrad(0)) {
      const bf = ctx.castLike(b, a);
      const exponent = ctx.g.constantNumbers(b);
      const power =
        exponent?.length === 1 && exponent[0] === 2
          ? a
          : g.op("Pow", [a, g.op("Sub", [bf, ctx.scalarLike(1, a)])]);
      da = ctx.reduceTo(g.op("Mul", [g.op("Mul", [ctx.dy(), bf]), power]), a);
    }
    const db = ctx.needsGrad(1)
      ? ctx.reduceTo(g.op("Mul", [g.op("Mul", [ctx.dy(), ctx.output(0)]), g.op("Log", [a])]), b)
      : undefined;
    return [da, db];
  },
};
