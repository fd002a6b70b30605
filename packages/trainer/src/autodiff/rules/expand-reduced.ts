import { reduceAxes } from "../../onnx/shape-inference.js";
import type { GradContext } from "../grad-context.js";

/**
 * Broadcasts a reduction's output gradient (or another value shaped like the reduction's output, such as
 * the output itself) back over the reduced axes: the shared part of the Reduce* gradients.
 *
 * ```text
 * dx = expand(keepdims ? dy : unsqueeze(dy, axes), shape(x))
 * ```
 *
 * @example
 * ```ts
 * const spread = expandReduced(ctx);
 * ```
 */
export function expandReduced(ctx: GradContext, value: string = ctx.dy()): string {
  const { g } = ctx;
  const x = ctx.input(0);
  const keep = ctx.intAttr("keepdims", 1) === 1;
  const axes = reduceAxes(ctx.node, g);
  const dynamicAxes = axes === undefined;
  if (!dynamicAxes && axes.length === 0 && ctx.intAttr("noop_with_empty_axes", 0) === 1) return value;
  let dy = value;
  if (!keep && (dynamicAxes || axes.length > 0)) {
    const axesValue = dynamicAxes ? ctx.input(1) : ctx.ints(axes);
    dy = g.op("Unsqueeze", [dy, axesValue]);
  }
  return g.op("Expand", [dy, ctx.shape(x)]);
}
