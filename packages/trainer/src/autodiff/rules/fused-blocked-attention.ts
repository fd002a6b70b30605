import { isStandardOp } from "../../onnx/default-domain.js";
import type { Node } from "../../onnx/types.js";
import type { GradContext } from "../grad-context.js";
import { normalisedAxes } from "./softmax-axes.js";

/** One query block of attention as `blockedAttention` emits it (names of forward values). */
interface AttentionBlock {
  /** The block's queries q_b = Slice(q, start, end, [2]). */
  readonly qb: string;
  readonly start: string;
  readonly end: string;
  /** The whole bias [B, 1, T, T] whose rows start … end − 1 the block adds (bias_b = Slice(bias, …, [2])). */
  readonly bias: string;
  readonly biasStart: string;
  readonly biasEnd: string;
}

/** The pattern's shared values: q, kᵀ, v and the score scale, and each block. */
interface AttentionBlocks {
  readonly q: string;
  readonly kT: string;
  readonly v: string;
  readonly scale: string;
  readonly blocks: readonly AttentionBlock[];
}

/** Whether `node` is a Softmax over the last axis of a rank-4 value. */
function lastAxisSoftmax(ctx: GradContext, node: Node | undefined): node is Node {
  if (!isStandardOp(node, "Softmax")) return false;
  const attr = node.attributes.axis;
  if (attr !== undefined && attr.type !== "int") return false;
  const axes = normalisedAxes(attr?.value, 4, ctx.g.opset);
  return axes.length === 1 && axes[0] === 3;
}

/** Input 2 of a Slice is [2] (the query axis of [B, H, T, d]) and no steps are given. */
function slicesQueryAxis(ctx: GradContext, slice: Node): boolean {
  const axes = slice.inputs[3] ? ctx.g.constantNumbers(slice.inputs[3]) : undefined;
  return axes?.length === 1 && (axes[0] === 2 || axes[0] === -2) && (slice.inputs[4] ?? "") === "";
}

/**
 * The blocks of the Concat in `ctx` when it joins attention computed over query blocks, each input
 * `MatMul(Softmax(Add(Mul(MatMul(Slice(q), kᵀ), c), Slice(bias))), v)` with every intermediate read only by the
 * next, and the same q, kᵀ, v and scalar c in every block; otherwise `undefined`.
 */
function matchBlocks(ctx: GradContext): AttentionBlocks | undefined {
  const inputs = ctx.node.inputs;
  if (inputs.length < 2 || ctx.rankOf(ctx.output(0)) !== 4) return undefined;
  const axis = ctx.intAttr("axis", 0);
  if (axis !== 2 && axis !== -2) return undefined;
  const shared = { q: "", kT: "", v: "", scale: "" };
  const blocks: AttentionBlock[] = [];
  const same = (key: keyof typeof shared, value: string | undefined): boolean => {
    if (value === undefined || value === "") return false;
    if (shared[key] === "") shared[key] = value;
    return shared[key] === value;
  };
  for (const [i, out] of inputs.entries()) {
    if (!ctx.needsGrad(i)) return undefined;
    const pv = ctx.privateProducer(out);
    if (!isStandardOp(pv, "MatMul") || !same("v", pv.inputs[1])) return undefined;
    const softmax = ctx.privateProducer(pv.inputs[0] ?? "", pv);
    if (!lastAxisSoftmax(ctx, softmax)) return undefined;
    const add = ctx.privateProducer(softmax.inputs[0] ?? "", softmax);
    if (!isStandardOp(add, "Add") || add.inputs[1] === undefined) return undefined;
    const mul = ctx.privateProducer(add.inputs[0] ?? "", add);
    if (!isStandardOp(mul, "Mul")) return undefined;
    const c = mul.inputs[1] ? ctx.g.constantNumbers(mul.inputs[1]) : undefined;
    if (c?.length !== 1 || !same("scale", mul.inputs[1])) return undefined;
    const qk = ctx.privateProducer(mul.inputs[0] ?? "", mul);
    if (!isStandardOp(qk, "MatMul") || !same("kT", qk.inputs[1])) return undefined;
    const slice = ctx.privateProducer(qk.inputs[0] ?? "", qk);
    if (!isStandardOp(slice, "Slice") || !slicesQueryAxis(ctx, slice) || !same("q", slice.inputs[0]))
      return undefined;
    const [start, end] = [slice.inputs[1] ?? "", slice.inputs[2] ?? ""];
    if (ctx.rankOf(qk.inputs[0] ?? "") !== 4 || ctx.rankOf(shared.kT) !== 4 || ctx.rankOf(shared.v) !== 4)
      return undefined;
    const biasSlice = ctx.privateProducer(add.inputs[1], add);
    if (!isStandardOp(biasSlice, "Slice") || !slicesQueryAxis(ctx, biasSlice)) return undefined;
    if (ctx.rankOf(biasSlice.inputs[0] ?? "") !== 4) return undefined;
    blocks.push({
      qb: qk.inputs[0] ?? "",
      start,
      end,
      bias: biasSlice.inputs[0] ?? "",
      biasStart: biasSlice.inputs[1] ?? "",
      biasEnd: biasSlice.inputs[2] ?? "",
    });
  }
  return { ...shared, blocks };
}

/**
 * The gradient of attention computed over query blocks (`blockedAttention` in models/), recomputing each
 * block's probabilities instead of keeping them: the forward keeps only the blocks' outputs o_b, and the
 * backward holds one block's [B, H, rows, T] tensors at a time. Gives dq to q, dkᵀ to kᵀ and dv to v
 * directly (the interior nodes are absorbed); `undefined` when the Concat in `ctx` is not that pattern.
 *
 * ```text
 * s_b = (q_b·c)·kᵀ + bias_b,  P_b = softmax(s_b)            recomputed (a form the forward does not share,
 *                                                            so onnxruntime cannot merge the two)
 * D_b = Σ_last dO_b ⊙ o_b,    dS_b = P_b ⊙ (dO_b·vᵀ − D_b)
 * dq_b = dS_b·(c·k),  dkᵀ += (c·q_b)ᵀ·dS_b,  dvᵀ += dO_bᵀ·P_b
 * ```
 * The three per-block results are added into one accumulator [B, H, 3d, T] (dq_bᵀ padded to its rows), so
 * that onnxruntime's topological order finishes block b before it starts block b + 1. The bias is taken to
 * be a constant of the weights (the causal and padding mask): it gets no gradient.
 *
 * @example
 * ```ts
 * const grads = fusedBlockedAttentionGrad(ctx) ?? plainConcatGrad(ctx);
 * ```
 */
export function fusedBlockedAttentionGrad(ctx: GradContext): (string | undefined)[] | undefined {
  const match = matchBlocks(ctx);
  if (match === undefined || !ctx.hasDy(0)) return undefined;
  const { g } = ctx;
  const { q, kT, v, scale, blocks } = match;
  const dO = ctx.dy();
  // Axis −2, where the forward sliced axis 2: the backward's slices are then not the forward's nodes to
  // onnxruntime's common-subexpression pass, which would keep those forward slices alive until here.
  const axes = ctx.ints([-2]);
  const out = ctx.output(0);
  const last = ctx.ints([-1]);
  const swap = { perm: [0, 1, 3, 2] };
  const vT = g.op("Transpose", [v], swap);
  const kScaled = g.op("Transpose", [g.op("Mul", [kT, scale])], swap);
  // Lengths read from dO, a backward value: a Shape of q here would keep q alive until the backward.
  const length = g.op("Shape", [dO], { start: 2, end: 3 });
  const zeros3 = ctx.ints([0, 0, 0]);
  let acc: string | undefined;
  for (const b of blocks) {
    // The gradient-side operands first: onnxruntime orders a node's inputs by creation, and the
    // recomputed probabilities should be made only once dO is there, not early in the backward.
    const dOb = g.op("Slice", [dO, b.start, b.end, axes]);
    const ob = g.op("Slice", [out, b.start, b.end, axes]);
    const rowDot = g.op("ReduceSum", [g.op("Mul", [dOb, ob]), last], { keepdims: 1 });
    const shifted = g.op("Sub", [g.op("MatMul", [dOb, vT]), rowDot]);
    const qScaled = g.op("Mul", [b.qb, scale]);
    const biasB = g.op("Slice", [b.bias, b.biasStart, b.biasEnd, axes]);
    const probs = g.op("Softmax", [g.op("Add", [g.op("MatMul", [qScaled, kT]), biasB])], { axis: -1 });
    const dS = g.op("Mul", [shifted, probs]);
    const dkT = g.op("MatMul", [g.op("Transpose", [qScaled], swap), dS]);
    const dvT = g.op("MatMul", [g.op("Transpose", [dOb], swap), probs]);
    const dqT = g.op("Transpose", [g.op("MatMul", [dS, kScaled])], swap);
    const pads = g.op("Concat", [zeros3, b.start, zeros3, g.op("Sub", [length, b.end])], { axis: 0 });
    const parts = g.op("Concat", [dkT, dvT, g.op("Pad", [dqT, pads])], { axis: 2 });
    acc = acc === undefined ? parts : g.op("Add", [acc, parts]);
  }
  const width = ctx.shapeOf(q)?.[3];
  const d = typeof width === "number" ? ctx.ints([width]) : g.op("Shape", [dO], { start: 3, end: 4 });
  const sizes = g.op("Concat", [d, d, d], { axis: 0 });
  const [dkTotal, dvT, dqT] = g.opN("Split", [acc ?? "", sizes], 3, { axis: 2 });
  // Typed like the values they are the gradients of: the Split's runtime sizes leave their dims unknown,
  // and unknown dims downstream would send every later rule to its runtime-shape (Shape-reading) path.
  const give = (value: string, grad: string) => {
    const type = g.typeOf(value);
    if (type !== undefined) g.setType(grad, type);
    ctx.contribute(value, grad);
  };
  give(kT, g.op("Identity", [dkTotal ?? ""]));
  give(v, g.op("Transpose", [dvT ?? ""], swap));
  give(q, g.op("Transpose", [dqT ?? ""], swap));
  return ctx.node.inputs.map((_, i) => ctx.absorb(i));
}
