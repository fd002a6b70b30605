import type { GradientRule } from "../gradient-rule.js";
import { fusedGeluTanhGrad } from "./fused-gelu-tanh.js";
import { fusedRmsNormGrad } from "./fused-rms-norm.js";
import { fusedSiluGrad } from "./fused-silu.js";

/**
 * Gradient of `Mul` (numpy broadcasting).
 *
 * ```text
 * y = a ⊙ b    da = unbroadcast(dy ⊙ b, a)    db = unbroadcast(dy ⊙ a, b)
 * ```
 * Three patterns take a fused form that also covers the nodes feeding the operands: SiLU `x ⊙ σ(x)`
 * ({@link fusedSiluGrad}), RMS normalisation `x ⊙ (mean(x²) + ε)^(−½)` ({@link fusedRmsNormGrad}) and
 * GELU's tanh approximation ({@link fusedGeluTanhGrad}).
 *
 * @example
 * ```ts
 * GRADIENTS.Mul === mulGrad;
 * ```
 */
export const mulGrad: GradientRule = {
  opType: "Mul",
  gradient: (ctx) => {
    const [a, b] = [ctx.input(0), ctx.input(1)];
    if (ctx.needsGrad(0) && ctx.needsGrad(1)) {
      const fused = fusedSiluGrad(ctx) ?? fusedRmsNormGrad(ctx) ?? fusedGeluTanhGrad(ctx);
      if (fused !== undefined) return fused;
    }
    return [
      ctx.needsGrad(0) ? ctx.reduceTo(ctx.g.op("Mul", [ctx.dy(), b]), a) : undefined,
      ctx.needsGrad(1) ? ctx.reduceTo(ctx.g.op("Mul", [ctx.dy(), a]), b) : undefined,
    ];
  },
};
