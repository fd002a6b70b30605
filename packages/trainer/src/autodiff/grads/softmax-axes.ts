import type { GradContext } from "../grad-context.js";

/**
 * The axes a Softmax/LogSoftmax normalises over: `[axis]` from opset 13 (default −1); before opset 13
 * the input is flattened to 2-D at `axis` (default 1), so every axis from `axis` on.
 *
 * @example
 * ```ts
 * softmaxAxes(ctx); // [3] for axis −1 on a rank-4 input at opset 18
 * ```
 */
export function softmaxAxes(ctx: GradContext): number[] {
  const rank = ctx.rankOf(ctx.input(0));
  const legacy = ctx.g.opset < 13;
  const raw = ctx.intAttr("axis", legacy ? 1 : -1);
  const axis = raw < 0 ? raw + rank : raw;
  if (!legacy) return [axis];
  return Array.from({ length: rank - axis }, (_, i) => axis + i);
}
