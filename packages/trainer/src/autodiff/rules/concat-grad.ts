import type { GradientRule } from "../gradient-rule.js";
import { fusedBlockedAttentionGrad } from "./fused-blocked-attention.js";

/**
 * Gradient of `Concat`: split the output gradient back into the inputs' sizes along the axis (static
 * sizes when known, else read with Shape at run time).
 *
 * ```text
 * y = concat(x₁…x_n, axis)    dx₁…dx_n = split(dy, [size(x₁, axis) … size(x_n, axis)], axis)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Concat === concatGrad; // rotate_half in RoPE
 * ```
 */
export const concatGrad: GradientRule = {
  opType: "Concat",
  gradient: (ctx) => {
    const fused = fusedBlockedAttentionGrad(ctx);
    if (fused !== undefined) return fused;
    const { g } = ctx;
    const inputs = ctx.node.inputs;
    const rank = ctx.rankOf(ctx.input(0));
    const raw = ctx.intAttr("axis", 0);
    const axis = raw < 0 ? raw + rank : raw;
    const dims = inputs.map((x) => ctx.shapeOf(x)?.[axis]);
    const sizes = dims.every((d) => typeof d === "number")
      ? ctx.ints(dims as number[])
      : g.op(
          "Concat",
          inputs.map((x) => g.op("Gather", [ctx.shape(x), ctx.ints([axis])])),
          { axis: 0 },
        );
    const parts = g.opN("Split", [ctx.dy(), sizes], inputs.length, { axis });
    return inputs.map((_, i) => (ctx.needsGrad(i) ? parts[i] : undefined));
  },
};
