import { isStandardOp } from "../../onnx/default-domain.js";
import type { GradContext } from "../grad-context.js";

/**
 * A weight repeated per sequence, as `densePerSequence` emits it: `MatMul(a [B, T, K], Expand(Unsqueeze(u,
 * [0]), [B, K, N]))` with u = W′ [K, N]. `target` is the value the gradient goes to: W itself when u is
 * `Transpose(W)` read only here (an nn.Linear weight, layout [N, K]), else u (layout [K, N]).
 */
export interface PerSequenceWeight {
  readonly target: string;
  readonly layout: "KN" | "NK";
  readonly k: number;
  readonly n: number;
}

/**
 * The weight behind input 1 of the MatMul in `ctx` when it is a weight repeated per sequence (see
 * {@link PerSequenceWeight}) whose expansion nothing else reads; otherwise `undefined`.
 *
 * @example
 * ```ts
 * const w = perSequenceWeight(ctx); // { target: "model.layers.0.mlp.up_proj.weight", layout: "NK", k: 384, n: 1536 }
 * ```
 */
export function perSequenceWeight(ctx: GradContext): PerSequenceWeight | undefined {
  if (ctx.rankOf(ctx.input(0)) !== 3 || ctx.rankOf(ctx.input(1)) !== 3) return undefined;
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
  const transpose = ctx.privateProducer(u, unsqueeze);
  const perm = transpose?.attributes.perm;
  // A rank-2 Transpose without `perm` reverses the axes too.
  const swaps = perm === undefined || (perm.type === "ints" && perm.value[0] === 1);
  if (isStandardOp(transpose, "Transpose") && swaps && transpose.inputs[0])
    return { target: transpose.inputs[0], layout: "NK", k, n };
  return { target: u, layout: "KN", k, n };
}

/**
 * The gradient of a weight repeated per sequence, summed over the sequences: one Gemm over all B·T rows,
 * with both operands in the layout MLAS multiplies fastest (no transposed operand).
 *
 * ```text
 * dW′ = Σ_s a[s]ᵀ · dy[s] = Aᵀ · D      A = a as [B·T, K], D = dy as [B·T, N]
 * smaller side K ≤ N:  dW′ = Gemm(rows(A)ᵀ, D)           [K, N]
 * otherwise:           dW′ᵀ = Gemm(rows(D)ᵀ, A)          [N, K]
 * ```
 * The transposed activation is a real copy of the narrower of a and dy, made with a 3-D `Transpose` that
 * onnxruntime cannot fold back into the Gemm: folded, it becomes MLAS's transposed-A path, which re-packs
 * A once per 128 output columns and measured 15–35 % slower per FLOP than the forward's products (a Llama
 * forward+backward 8 % faster with the copies, in one process). The result is turned to the target's
 * layout the same way when the two differ (a [K, N] matrix: cheap next to the product).
 *
 * @example
 * ```ts
 * ctx.contribute(w.target, perSequenceWeightGradient(ctx, ctx.input(0), ctx.dy(), w));
 * ```
 */
export function perSequenceWeightGradient(
  ctx: GradContext,
  a: string,
  dy: string,
  w: PerSequenceWeight,
): string {
  const { g } = ctx;
  const rowsT = (v: string, width: number) =>
    g.op("Reshape", [g.op("Transpose", [v], { perm: [2, 0, 1] }), ctx.ints([width, -1])]);
  const flat = (v: string) => g.op("Flatten", [v], { axis: 2 });
  const kn = w.k <= w.n;
  const product = kn ? g.op("Gemm", [rowsT(a, w.k), flat(dy)]) : g.op("Gemm", [rowsT(dy, w.n), flat(a)]);
  if (kn === (w.layout === "KN")) return product;
  const [rows, cols] = kn ? [w.k, w.n] : [w.n, w.k];
  const swapped = g.op("Transpose", [g.op("Reshape", [product, ctx.ints([1, rows, cols])])], {
    perm: [0, 2, 1],
  });
  return g.op("Reshape", [swapped, ctx.ints([cols, rows])]);
}
