import type { GradContext } from "../grad-context.js";
import type { GradientRule } from "../gradient-rule.js";

/**
 * Indices made non-negative (`i < 0 → i + dim`) and int64, as ScatterND/ScatterElements want them.
 *
 * @example
 * ```ts
 * const idx = normalizeIndices(ctx, ctx.input(1), axis);
 * ```
 */
export function normalizeIndices(ctx: GradContext, indices: string, axis: number): string {
  const { g } = ctx;
  const idx = ctx.dtypeOf(indices) === "int64" ? indices : g.cast(indices, "int64");
  const constant = g.constantNumbers(idx);
  if (constant?.every((v) => v >= 0)) return idx;
  const dim = g.op("Gather", [ctx.shape(ctx.input(0)), ctx.ints([axis])]);
  const negative = g.op("Less", [idx, ctx.scalarLike(0, idx)]);
  return g.op("Where", [negative, g.op("Add", [idx, dim]), idx]);
}

/**
 * Gradient of `Gather` (embedding lookup): scatter-add the output gradient into zeros with ScatterND
 * `reduction="add"` (repeated ids accumulate). For `axis ≠ 0` the gathered axis is moved to the front and
 * back with Transpose.
 *
 * ```text
 * y[..., i₁…i_q, ...] = x[..., idx[i₁…i_q], ...]    dx = ScatterND(0, idx[..., None], dy, add)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Gather === gatherGrad; // token embeddings
 * ```
 */
export const gatherGrad: GradientRule = {
  opType: "Gather",
  gradient: (ctx) => {
    const { g } = ctx;
    ctx.requireOpset(16, 'ScatterND with reduction="add"');
    const [x, indices] = [ctx.input(0), ctx.input(1)];
    const r = ctx.rankOf(x);
    const q = ctx.rankOf(indices);
    const raw = ctx.intAttr("axis", 0);
    const axis = raw < 0 ? raw + r : raw;
    const idx = g.op("Unsqueeze", [normalizeIndices(ctx, indices, axis), ctx.ints([-1])]);
    if (axis === 0) {
      return [g.op("ScatterND", [ctx.zerosLike(x), idx, ctx.dy()], { reduction: "add" }), undefined];
    }
    const range = (from: number, to: number) =>
      Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
    // dy: [x₀..x_{a−1}, idx…, x_{a+1}..] → [idx…, x₀..x_{a−1}, x_{a+1}..]
    const dyPerm = [...range(axis, axis + q), ...range(0, axis), ...range(axis + q, r - 1 + q)];
    const dyT = g.op("Transpose", [ctx.dy()], { perm: dyPerm });
    const xPerm = [axis, ...range(0, axis), ...range(axis + 1, r)];
    const zerosT = ctx.zerosOfShape(g.op("Gather", [ctx.shape(x), ctx.ints(xPerm)]), ctx.dtypeOf(x));
    const scattered = g.op("ScatterND", [zerosT, idx, dyT], { reduction: "add" });
    const inverse = new Array<number>(r);
    xPerm.forEach((p, i) => {
      inverse[p] = i;
    });
    return [g.op("Transpose", [scattered], { perm: inverse }), undefined];
  },
};
