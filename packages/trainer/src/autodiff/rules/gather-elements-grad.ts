import type { GradientRule } from "../gradient-rule.js";
import { fusedLogSoftmaxGatherGrad } from "./fused-log-softmax-gather.js";
import { normalizeIndices } from "./gather-grad.js";

/**
 * Gradient of `GatherElements` (picking target-token log-probs): scatter-add into zeros.
 *
 * ```text
 * y = x[idx] along axis    dx = ScatterElements(0, idx, dy, axis, reduction = add)
 * ```
 * One pick per row of a LogSoftmax read only here (token log-probs) takes the fused form
 * {@link fusedLogSoftmaxGatherGrad}, which also covers the LogSoftmax.
 *
 * @example
 * ```ts
 * GRADIENTS.GatherElements === gatherElementsGrad;
 * ```
 */
export const gatherElementsGrad: GradientRule = {
  opType: "GatherElements",
  gradient: (ctx) => {
    const { g } = ctx;
    const fused = fusedLogSoftmaxGatherGrad(ctx);
    if (fused !== undefined) return fused;
    ctx.requireOpset(16, 'ScatterElements with reduction="add"');
    const x = ctx.input(0);
    const raw = ctx.intAttr("axis", 0);
    const axis = raw < 0 ? raw + ctx.rankOf(x) : raw;
    const idx = normalizeIndices(ctx, ctx.input(1), axis);
    return [
      g.op("ScatterElements", [ctx.zerosLike(x), idx, ctx.dy()], { axis, reduction: "add" }),
      undefined,
    ];
  },
};
