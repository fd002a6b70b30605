import { isStandardOp } from "../../onnx/default-domain.js";
import type { GradContext } from "../grad-context.js";
import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `MatMul` (numpy matmul: batch broadcasting, 1-D operands promoted).
 *
 * ```text
 * y = a·b    da = unbroadcast(dy·bᵀ, a)    db = unbroadcast(aᵀ·dy, b)
 * ```
 * For a weight b of rank 2 (a linear layer), both are single Gemms on flattened batches:
 * da = reshape(Gemm(flatten(dy), b, transB)), db = Gemm(flatten(a), flatten(dy), transA), with no
 * transposed weight copy and no batch of partial products summed afterwards.
 *
 * @example
 * ```ts
 * GRADIENTS.MatMul === matmulGrad;
 * ```
 */
/**
 * The [K, N] matrix u when input 1 is `Expand(Unsqueeze(u, [0]), [B, K, N])` read only here and input 0 is
 * [B, T, K] (a weight repeated per sequence, as `densePerSequence` emits it); otherwise `undefined`.
 */
function expandedWeight(ctx: GradContext, ra: number, rb: number): string | undefined {
  if (ra !== 3 || rb !== 3) return undefined;
  const expand = ctx.privateProducer(ctx.input(1));
  if (!isStandardOp(expand, "Expand")) return undefined;
  const unsqueeze = ctx.privateProducer(expand.inputs[0] ?? "", expand);
  if (!isStandardOp(unsqueeze, "Unsqueeze")) return undefined;
  const axes = unsqueeze.inputs[1] ? ctx.g.constantNumbers(unsqueeze.inputs[1]) : undefined;
  if (axes?.length !== 1 || axes[0] !== 0) return undefined;
  const u = unsqueeze.inputs[0] ?? "";
  const [k, n] = ctx.shapeOf(u) ?? [];
  const aShape = ctx.shapeOf(ctx.input(0));
  const bShape = ctx.shapeOf(ctx.input(1));
  // K and N above 1, so that Expand can only have repeated u along the new batch axis.
  if (typeof k !== "number" || typeof n !== "number" || k < 2 || n < 2 || ctx.rankOf(u) !== 2)
    return undefined;
  if (aShape?.[2] !== k || bShape?.[1] !== k || bShape?.[2] !== n) return undefined;
  return u;
}

export const matmulGrad: GradientRule = {
  opType: "MatMul",
  gradient: (ctx) => {
    const { g } = ctx;
    let [a, b] = [ctx.input(0), ctx.input(1)];
    const ra = ctx.rankOf(a);
    const rb = ctx.rankOf(b);
    let dy = ctx.dy();
    if (ra === 1 && rb === 1) dy = g.op("Reshape", [dy, ctx.ints([1, 1])]);
    else if (ra === 1) dy = g.op("Unsqueeze", [dy, ctx.ints([-2])]);
    else if (rb === 1) dy = g.op("Unsqueeze", [dy, ctx.ints([-1])]);
    if (ra === 1) a = g.op("Unsqueeze", [a, ctx.ints([0])]);
    if (rb === 1) b = g.op("Unsqueeze", [b, ctx.ints([-1])]);
    const swap = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
    const ra2 = Math.max(ra, 2);
    const rb2 = Math.max(rb, 2);
    let da: string | undefined;
    let db: string | undefined;
    if (ctx.needsGrad(0) && rb2 === 2) {
      // dy·Bᵀ as one Gemm with transB: no transposed copy of the weight.
      const dy2 = ra2 > 2 ? g.op("Flatten", [dy], { axis: ra2 - 1 }) : dy;
      da = g.op("Gemm", [dy2, b], { transB: 1 });
      if (ra2 > 2) da = g.op("Reshape", [da, ctx.shape(a)]);
      if (ra === 1) da = g.op("Reshape", [da, ctx.shape(ctx.input(0))]);
    } else if (ctx.needsGrad(0)) {
      const bt = g.op("Transpose", [b], { perm: swap(rb2) });
      da = ctx.reduceTo(g.op("MatMul", [dy, bt]), a);
      if (ra === 1) da = g.op("Reshape", [da, ctx.shape(ctx.input(0))]);
    }
    const expanded = ctx.needsGrad(1) ? expandedWeight(ctx, ra, rb) : undefined;
    if (expanded !== undefined) {
      // b = Expand(Unsqueeze(u, 0)) repeats one [K, N] matrix over a's batch: du = Σ_s a[s]ᵀ·dy[s], one Gemm.
      const a2 = g.op("Flatten", [a], { axis: ra - 1 });
      const dy2 = g.op("Flatten", [dy], { axis: ra - 1 });
      ctx.contribute(expanded, g.op("Gemm", [a2, dy2], { transA: 1 }));
      db = ctx.absorb(1);
    } else if (ctx.needsGrad(1)) {
      if (rb2 === 2 && ra2 > 2) {
        const a2 = g.op("Flatten", [a], { axis: ra2 - 1 });
        const dy2 = g.op("Flatten", [dy], { axis: ra2 - 1 });
        db = g.op("Gemm", [a2, dy2], { transA: 1 });
        if (rb === 1) db = g.op("Reshape", [db, ctx.shape(ctx.input(1))]);
      } else {
        const at = g.op("Transpose", [a], { perm: swap(ra2) });
        db = ctx.reduceTo(g.op("MatMul", [at, dy]), b);
        if (rb === 1) db = g.op("Reshape", [db, ctx.shape(ctx.input(1))]);
      }
    }
    return [da, db];
  },
};
