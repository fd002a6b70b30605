import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `LayerNormalization` (opset 17) in closed form over the normalised axes `[axis, rank)`,
 * recomputing the statistics with standard ops (ORT's LayerNormalizationGrad is a training-only op).
 *
 * ```text
 * μ = mean(x)   r = 1/√(mean((x−μ)²) + ε)   x̂ = (x−μ)·r   y = x̂·γ + β
 * g = dy·γ      dx = r·(g − mean(g) − x̂·mean(g·x̂))
 * dγ = unbroadcast(dy·x̂, γ)   dβ = unbroadcast(dy, β)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.LayerNormalization === layerNormalizationGrad; // GPT-2
 * ```
 */
export const layerNormalizationGrad: GradientRule = {
  opType: "LayerNormalization",
  gradient: (ctx) => {
    const { g } = ctx;
    if (ctx.hasDy(1) || ctx.hasDy(2))
      throw ctx.fail("gradients through the Mean/InvStdDev outputs are not supported");
    const [x, scale, bias] = [ctx.input(0), ctx.input(1), ctx.input(2)];
    const rank = ctx.rankOf(x);
    const raw = ctx.intAttr("axis", -1);
    const axis = raw < 0 ? raw + rank : raw;
    const eps = ctx.floatAttr("epsilon", 1e-5);
    const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
    const mean = (v: string) => ctx.reduceMean(v, axes, true);
    const centered = g.op("Sub", [x, mean(x)]);
    const variance = mean(g.op("Mul", [centered, centered]));
    const rstd = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [variance, ctx.scalarLike(eps, x)])])]);
    const xhat = g.op("Mul", [centered, rstd]);
    const dy = ctx.dy();
    let dx: string | undefined;
    if (ctx.needsGrad(0)) {
      const gx = g.op("Mul", [dy, scale]);
      const inner = g.op("Sub", [
        g.op("Sub", [gx, mean(gx)]),
        g.op("Mul", [xhat, mean(g.op("Mul", [gx, xhat]))]),
      ]);
      dx = g.op("Mul", [rstd, inner]);
    }
    const dScale = ctx.needsGrad(1) ? ctx.reduceTo(g.op("Mul", [dy, xhat]), scale) : undefined;
    const dBias = bias !== "" && ctx.needsGrad(2) ? ctx.reduceTo(dy, bias) : undefined;
    return [dx, dScale, dBias];
  },
};
