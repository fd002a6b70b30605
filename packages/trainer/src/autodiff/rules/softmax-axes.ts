import type { GradContext } from "../grad-context.js";

/**
 * The axes a Softmax/LogSoftmax with an input of `rank` and an `axis` attribute (`undefined` when
 * absent) normalises over: `[axis]` from opset 13 (default −1); before opset 13 the input is flattened to
 * 2-D at `axis` (default 1), so every axis from `axis` on.
 *
 * @example
 * ```ts
 * normalisedAxes(undefined, 4, 18); // [3]
 * normalisedAxes(2, 4, 11); // [2, 3]
 * ```
 */
export function normalisedAxes(axisAttr: number | undefined, rank: number, opset: number): number[] {
  const legacy = opset < 13;
  const raw = axisAttr ?? (legacy ? 1 : -1);
  const axis = raw < 0 ? raw + rank : raw;
  if (!legacy) return [axis];
  return Array.from({ length: rank - axis }, (_, i) => axis + i);
}

/**
 * {@link normalisedAxes} of the Softmax/LogSoftmax a gradient rule differentiates.
 *
 * @example
 * ```ts
 * softmaxAxes(ctx); // [3] for axis −1 on a rank-4 input at opset 18
 * ```
 */
export function softmaxAxes(ctx: GradContext): number[] {
  const axisAttr = ctx.node.attributes.axis === undefined ? undefined : ctx.intAttr("axis", 0);
  return normalisedAxes(axisAttr, ctx.rankOf(ctx.input(0)), ctx.g.opset);
}
