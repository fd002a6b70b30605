import { isStandardOp } from "../../onnx/default-domain.js";
import type { GradContext } from "../grad-context.js";
import type { WeightShape } from "./weight-gradient.js";

/**
 * A weight repeated per sequence, as `densePerSequence` emits it: `MatMul(a [B, T, K], Expand(Unsqueeze(u,
 * [0]), [B, K, N]))` with u = W′ [K, N]. `target` is the value the gradient goes to: W itself when u is
 * `Transpose(W)` read only here (an nn.Linear weight, layout [N, K]), else u (layout [K, N]).
 */
export interface PerSequenceWeight extends WeightShape {
  readonly target: string;
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
