import { isStandardOp } from "../../onnx/default-domain.js";
import type { GradContext } from "../grad-context.js";
import type { GradientRule } from "../gradient-rule.js";
import { softmaxAxes } from "./softmax-axes.js";

/**
 * The row sums Σ_j dy_ij·y_ij computed from the product's output when y (softmax over the last axis)
 * is read only as the left operand of `o = MatMul(y, v)`, as attention probabilities are:
 * Σ_j dy_ij·y_ij = Σ_j Σ_k do_ik·v_jk·y_ij = Σ_k do_ik·o_ik, a reduction over o's last axis (the head
 * width, d) instead of y's (the sequence length, T). Undefined when the pattern does not hold.
 */
function rowSumsFromProduct(ctx: GradContext, axis: number): string | undefined {
  const rank = ctx.shapeOf(ctx.output(0))?.length;
  if (rank === undefined || rank < 2 || axis !== rank - 1) return undefined;
  const reader = ctx.soleConsumer(0);
  if (!isStandardOp(reader, "MatMul") || reader.inputs[0] !== ctx.output(0)) return undefined;
  if (reader.inputs[1] === ctx.output(0) || (ctx.shapeOf(reader.inputs[1] ?? "")?.length ?? 0) < 2)
    return undefined;
  const o = reader.outputs[0] ?? "";
  // y must not be broadcast against v's batch axes: then o's rows are y's rows one for one.
  const yLead = ctx.shapeOf(ctx.output(0))?.slice(0, -1);
  const oLead = ctx.shapeOf(o)?.slice(0, -1);
  if (yLead === undefined || oLead === undefined || yLead.length !== oLead.length) return undefined;
  if (yLead.some((d, k) => d === null || d !== oLead[k])) return undefined;
  const dO = ctx.gradientOf(o);
  if (dO === undefined) return undefined;
  return ctx.g.op("ReduceSum", [ctx.g.op("Mul", [dO, o]), ctx.ints([-1])], { keepdims: 1 });
}

/**
 * Gradient of `Softmax`, reusing y (the Jacobian-vector product, no n×n Jacobian).
 *
 * ```text
 * y = softmax(x)    dx = y ⊙ (dy − Σ_axis(dy ⊙ y))
 * o = y·v (y read only there):  Σ_axis(dy ⊙ y) = Σ_last(do ⊙ o)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Softmax === softmaxGrad; // attention probabilities
 * ```
 */
export const softmaxGrad: GradientRule = {
  opType: "Softmax",
  gradient: (ctx) => {
    const { g } = ctx;
    const y = ctx.output(0);
    const axes = softmaxAxes(ctx);
    const dot =
      (axes.length === 1 ? rowSumsFromProduct(ctx, axes[0] as number) : undefined) ??
      g.op("ReduceSum", [g.op("Mul", [ctx.dy(), y]), ctx.ints(axes)], { keepdims: 1 });
    return [g.op("Mul", [y, g.op("Sub", [ctx.dy(), dot])])];
  },
};
