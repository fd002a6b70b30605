import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Pad` in `constant` mode with constant, non-negative pads (opset ≥ 11 inputs, optional
 * `axes` from opset 18): slice the padding off.
 *
 * ```text
 * y = pad(x, begin, end)    dx = dy[begin : size − end] on each padded axis
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Pad === padGrad;
 * ```
 */
export const padGrad: GradientRule = {
  opType: "Pad",
  gradient: (ctx) => {
    const { g } = ctx;
    const mode = ctx.node.attributes.mode;
    if (mode !== undefined && !(mode.type === "string" && mode.value === "constant")) {
      throw ctx.fail("only constant-mode Pad is differentiable here");
    }
    const pads = ctx.constInput(1);
    if (pads === undefined || pads.some((p) => p < 0))
      throw ctx.fail("pads must be constant and non-negative");
    const rank = ctx.rankOf(ctx.input(0));
    const given = ctx.input(3) === "" ? undefined : ctx.constInput(3);
    if (ctx.input(3) !== "" && given === undefined) throw ctx.fail("axes must be constant");
    const axes = (given ?? Array.from({ length: rank }, (_, i) => i)).map((a) => (a < 0 ? a + rank : a));
    const n = axes.length;
    const starts = axes.map((_, k) => pads[k] ?? 0);
    const ends = axes.map((_, k) => {
      const end = pads[k + n] ?? 0;
      return end > 0 ? -end : Number.MAX_SAFE_INTEGER;
    });
    const dx = g.op("Slice", [ctx.dy(), ctx.ints(starts), ctx.ints(ends), ctx.ints(axes)]);
    return [dx, undefined, undefined, undefined];
  },
};
