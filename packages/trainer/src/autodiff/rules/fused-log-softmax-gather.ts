import { isStandardOp } from "../../onnx/default-domain.js";
import type { GradContext } from "../grad-context.js";
import { normalizeIndices } from "./gather-grad.js";
import { normalisedAxes } from "./softmax-axes.js";

/**
 * The gradient of picking one log-prob per row, `p = GatherElements(y, t)` with y = LogSoftmax(x) over the
 * last axis read only by this GatherElements and t [.., 1] sharing y's leading axes: the LogSoftmax's
 * share is folded in, so the one-hot dy of y (a scatter into zeros) and its row sums are never built.
 * Gives dx to x and absorbs input 0; `undefined` (nothing emitted) when the pattern does not hold.
 *
 * ```text
 * dy = onehot_t ⊙ g,  Σ_last dy = g          (g = dp, [.., 1]; one pick per row)
 * dx = dy − exp(y) ⊙ Σ_last dy = ScatterElements(exp(y) ⊙ (−g), t, g, reduction = add)
 * ```
 * The same IEEE operations as the LogSoftmax and GatherElements rules one after the other (0 − e·g is
 * −(e·g), and g − e·g is −(e·g) + g), so the values are bit for bit the same up to the sign of a zero
 * (0 − (+0) is +0 where −(+0) is −0); two full-size temporaries (exp(y) and the product) instead of five
 * (the zeros, the scatter, exp(y), the product and the difference). At the SmolLM-135M shape each
 * is [B, T − 1, 49152] floats.
 *
 * @example
 * ```ts
 * const fused = fusedLogSoftmaxGatherGrad(ctx); // in the GatherElements rule
 * if (fused !== undefined) return fused;
 * ```
 */
export function fusedLogSoftmaxGatherGrad(ctx: GradContext): (string | undefined)[] | undefined {
  const [y, targets] = [ctx.input(0), ctx.input(1)];
  const logSoftmax = ctx.privateProducer(y);
  if (!isStandardOp(logSoftmax, "LogSoftmax") || !ctx.needsGrad(0) || !ctx.hasDy(0)) return undefined;
  const [yShape, tShape] = [ctx.shapeOf(y), ctx.shapeOf(targets)];
  const rank = yShape?.length ?? 0;
  if (rank < 1 || tShape?.length !== rank || tShape[rank - 1] !== 1) return undefined;
  const rawAxis = ctx.intAttr("axis", 0);
  if ((rawAxis < 0 ? rawAxis + rank : rawAxis) !== rank - 1) return undefined;
  // Only the last axis normalised. A malformed `axis` is left to the LogSoftmax rule to report.
  const attr = logSoftmax.attributes.axis;
  if (attr !== undefined && attr.type !== "int") return undefined;
  const axes = normalisedAxes(attr?.value, rank, ctx.g.opset);
  if (axes.length !== 1 || axes[0] !== rank - 1) return undefined;
  // One pick per row of y: the targets' leading axes are y's (equal sizes or the same symbol), so g
  // broadcasts along the last axis only.
  for (let k = 0; k < rank - 1; k++) {
    const d = yShape?.[k];
    if (d === null || d === undefined || d !== tShape[k]) return undefined;
  }
  ctx.requireOpset(16, 'ScatterElements with reduction="add"');
  const { g } = ctx;
  const dp = ctx.dy();
  const spread = g.op("Mul", [g.op("Exp", [y]), g.op("Neg", [dp])]);
  const idx = normalizeIndices(ctx, targets, rank - 1);
  const dx = g.op("ScatterElements", [spread, idx, dp], { axis: rank - 1, reduction: "add" });
  ctx.contribute(logSoftmax.inputs[0] ?? "", dx);
  return [ctx.absorb(0), undefined];
}
