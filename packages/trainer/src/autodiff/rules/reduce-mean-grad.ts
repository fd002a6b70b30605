import { reduceAxes } from "../../onnx/shape-inference.js";
import type { GradientRule } from "../gradient-rule.js";
import { expandReduced } from "./expand-reduced.js";

/**
 * Gradient of `ReduceMean` (axes as attribute or input, `keepdims`, `noop_with_empty_axes`).
 *
 * ```text
 * y = mean_axes x    dx = expand(unsqueeze(dy, axes), shape(x)) / n,   n = Π reduced dims
 * (a constant when the reduced dims are static, else size(x) / size(y) at run time)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.ReduceMean === reduceMeanGrad; // RMSNorm's mean of squares
 * ```
 */
export const reduceMeanGrad: GradientRule = {
  opType: "ReduceMean",
  gradient: (ctx) => {
    const { g } = ctx;
    const [x, y] = [ctx.input(0), ctx.output(0)];
    const spread = expandReduced(ctx);
    const xs = ctx.shapeOf(x);
    const axes = reduceAxes(ctx.node, g);
    const all = axes?.length === 0 && ctx.intAttr("noop_with_empty_axes", 0) === 0;
    const reduced =
      xs === undefined || axes === undefined
        ? undefined
        : all
          ? xs
          : axes.map((a) => xs[a < 0 ? a + xs.length : a] ?? null);
    if (reduced?.every((d) => typeof d === "number") === true) {
      const count = (reduced as number[]).reduce((p, d) => p * d, 1);
      return [g.op("Mul", [spread, ctx.scalarLike(1 / count, x)]), undefined];
    }
    const count = ctx.castLike(g.op("Div", [g.op("Size", [x]), g.op("Size", [y])]), x);
    return [g.op("Div", [spread, count]), undefined];
  },
};
