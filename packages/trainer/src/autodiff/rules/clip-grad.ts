import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Clip` (opset ≥ 11, bounds as optional inputs; the bounds get no gradient).
 *
 * ```text
 * y = min(max(x, lo), hi)    dx = lo ≤ x ≤ hi ? dy : 0
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Clip === clipGrad;
 * ```
 */
export const clipGrad: GradientRule = {
  opType: "Clip",
  gradient: (ctx) => {
    const { g } = ctx;
    const x = ctx.input(0);
    if (ctx.needsGrad(1) || ctx.needsGrad(2))
      throw ctx.fail("gradients with respect to the bounds are not supported");
    let inside: string | undefined;
    const [lo, hi] = [ctx.input(1), ctx.input(2)];
    if (lo !== "") inside = g.op("GreaterOrEqual", [x, lo]);
    if (hi !== "") {
      const below = g.op("LessOrEqual", [x, hi]);
      inside = inside === undefined ? below : g.op("And", [inside, below]);
    }
    return [inside === undefined ? ctx.dy() : g.op("Where", [inside, ctx.dy(), ctx.scalarLike(0, x)])];
  },
};
