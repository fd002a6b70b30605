import { isStandardOp } from "../../onnx/default-domain.js";
import type { GradContext } from "../grad-context.js";
import { lastTwoSwapped } from "./last-two-swapped.js";
import { normalisedAxes } from "./softmax-axes.js";

/**
 * The gradient of attention's softmax folded into its product's, for `o = MatMul(y, v)` where
 * y = Softmax(x) over the last axis is read only by this MatMul and is not broadcast against v's batch
 * axes (o's rows are y's rows one for one; v may broadcast). Gives dx to x, and the caller absorbs
 * input 0; `false` (nothing emitted) when the pattern does not hold.
 *
 * ```text
 * dx = y ⊙ (dy − r) with dy = do·vᵀ and r = Σ_last dy ⊙ y = Σ_last do ⊙ o
 *    = y ⊙ ([do | −r] · [v | 1]ᵀ)
 * ```
 * The row sums come from o (a reduction over the head width, not over T), and the shift by −r rides in
 * the product as one more column, so no pass over the [.., T, T] scores subtracts it. The Concat of v
 * with ones also replaces the transposed copy of v that the plain product needed.
 *
 * @example
 * ```ts
 * if (fusedSoftmaxProduct(ctx)) da = ctx.absorb(0);
 * ```
 */
export function fusedSoftmaxProduct(ctx: GradContext): boolean {
  const [y, v] = [ctx.input(0), ctx.input(1)];
  const softmax = ctx.privateProducer(y);
  if (!isStandardOp(softmax, "Softmax") || v === y || !ctx.hasDy(0)) return false;
  const yShape = ctx.shapeOf(y);
  const vRank = ctx.shapeOf(v)?.length ?? 0;
  const oShape = ctx.shapeOf(ctx.output(0));
  const rank = yShape?.length ?? 0;
  if (rank < 2 || vRank < 2 || oShape?.length !== rank) return false;
  // Only the last axis normalised. A malformed `axis` is left to the Softmax rule to report.
  const attr = softmax.attributes.axis;
  if (attr !== undefined && attr.type !== "int") return false;
  const axes = normalisedAxes(attr?.value, rank, ctx.g.opset);
  if (axes.length !== 1 || axes[0] !== rank - 1) return false;
  // o's rows are y's rows one for one: the same leading axes (equal sizes or the same symbol).
  for (let k = 0; k < rank - 1; k++) {
    const d = yShape?.[k];
    if (d === null || d === undefined || d !== oShape[k]) return false;
  }
  const { g } = ctx;
  const dO = ctx.dy();
  const r = g.op("ReduceSum", [g.op("Mul", [dO, ctx.output(0)]), ctx.ints([-1])], { keepdims: 1 });
  const lhs = g.op("Concat", [dO, g.op("Neg", [r])], { axis: -1 });
  const onesShape = g.op("Concat", [g.op("Shape", [v], { end: -1 }), ctx.ints([1])], { axis: 0 });
  const rhs = g.op("Concat", [v, g.op("Expand", [ctx.scalarLike(1, v), onesShape])], { axis: -1 });
  const shifted = g.op("MatMul", [lhs, g.op("Transpose", [rhs], { perm: lastTwoSwapped(vRank) })]);
  ctx.contribute(softmax.inputs[0] ?? "", g.op("Mul", [y, shifted]));
  return true;
}
