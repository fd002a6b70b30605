import { sizeOf } from "../../onnx/tensor.js";
import type { GradientRule } from "../gradient-rule.js";
import { expandReduced } from "./expand-reduced.js";

/**
 * Gradient of `ReduceMean` (axes as attribute or input, `keepdims`, `noop_with_empty_axes`).
 *
 * ```text
 * y = mean_axes x    dx = expand(unsqueeze(dy, axes), shape(x)) / (size(x) / size(y))
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
    const ys = ctx.shapeOf(y);
    const numeric = (s: readonly unknown[] | undefined): s is number[] =>
      s?.every((d) => typeof d === "number") === true;
    if (numeric(xs) && numeric(ys)) {
      return [g.op("Mul", [spread, ctx.scalarLike(sizeOf(ys) / sizeOf(xs), x)]), undefined];
    }
    const count = ctx.castLike(g.op("Div", [g.op("Size", [x]), g.op("Size", [y])]), x);
    return [g.op("Div", [spread, count]), undefined];
  },
};
