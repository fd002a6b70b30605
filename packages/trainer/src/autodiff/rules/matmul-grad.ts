import { isStandardOp } from "../../onnx/default-domain.js";
import type { GradientRule } from "../gradient-rule.js";
import { fusedSoftmaxProduct } from "./fused-softmax-product.js";
import { lastTwoSwapped } from "./last-two-swapped.js";
import { type PerSequenceWeight, perSequenceWeight } from "./per-sequence-weight.js";
import { perSequenceWeightGradient } from "./per-sequence-weight-gradient.js";
import { weightGradient } from "./weight-gradient.js";

/**
 * Gradient of `MatMul` (numpy matmul: batch broadcasting, 1-D operands promoted).
 *
 * ```text
 * y = a·b    da = unbroadcast(dy·bᵀ, a)    db = unbroadcast(aᵀ·dy, b)
 * ```
 * For a weight b of rank 2 (a linear layer), both are single Gemms on flattened batches:
 * da = reshape(Gemm(flatten(dy), b, transB)), db = Gemm(flatten(a), flatten(dy), transA), with no
 * transposed weight copy and no batch of partial products summed afterwards. A weight repeated per
 * sequence (`Expand` of a [K, N] matrix) gets its gradient as one product per sequence summed over the
 * sequences, given to the weight itself: see `perSequenceWeightGradient`; its da expands the weight anew
 * rather than reading the forward's expanded copy. For a
 * square a (attention probabilities [.., T, T]) and a narrower dy, db = (dyᵀ·a)ᵀ: MLAS then transposes
 * blocks of dy rather than of a (dV of attention 1.27× the forward's P·V product instead of 1.48×).
 *
 * @example
 * ```ts
 * GRADIENTS.MatMul === matmulGrad;
 * ```
 */
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
    const ra2 = Math.max(ra, 2);
    const rb2 = Math.max(rb, 2);
    let da: string | undefined;
    let db: string | undefined;
    if (ctx.needsGrad(0) && fusedSoftmaxProduct(ctx)) {
      // a is attention's softmax, read only here: its input's gradient was given directly.
      da = ctx.absorb(0);
    } else if (ctx.needsGrad(0) && rb2 === 2) {
      // dy·Bᵀ as one Gemm with transB: no transposed copy of the weight.
      const dy2 = ra2 > 2 ? g.op("Flatten", [dy], { axis: ra2 - 1 }) : dy;
      da = g.op("Gemm", [dy2, b], { transB: 1 });
      if (ra2 > 2) da = g.op("Reshape", [da, ctx.shape(a)]);
      if (ra === 1) da = g.op("Reshape", [da, ctx.shape(ctx.input(0))]);
    } else if (ctx.needsGrad(0) && perSequenceWeight(ctx) !== undefined) {
      // A weight repeated per sequence: dy·W′ᵀ per sequence against W′ᵀ expanded anew from the weight
      // itself (sized from dy, so onnxruntime makes it in the backward, not early). The forward's expanded
      // copies are then freed after the forward product instead of living until the backward, B × every
      // weight (issue 18: 1.2 GiB of the 8 × 512 step's peak RSS), at the per-sequence product's speed (a
      // single Gemm against the weight measured 6 % slower per step).
      const { target, layout, k, n } = perSequenceWeight(ctx) as PerSequenceWeight;
      const w = layout === "NK" ? target : g.op("Transpose", [target], { perm: [1, 0] });
      const sizes = g.op("Concat", [g.op("Shape", [dy], { end: 1 }), ctx.ints([n, k])], { axis: 0 });
      da = g.op("MatMul", [dy, g.op("Expand", [g.op("Unsqueeze", [w, ctx.ints([0])]), sizes])]);
    } else if (ctx.needsGrad(0)) {
      // b = Transpose(c) swapping its last two axes (attention's kᵀ): bᵀ is c itself, no copy.
      const bPerm = lastTwoSwapped(rb2);
      const producer = ctx.privateProducer(b);
      const perm = producer?.attributes.perm;
      const swapsLastTwo =
        isStandardOp(producer, "Transpose") &&
        perm?.type === "ints" &&
        perm.value.length === rb2 &&
        perm.value.every((p, i) => p === bPerm[i]);
      const bt =
        swapsLastTwo && producer?.inputs[0] ? producer.inputs[0] : g.op("Transpose", [b], { perm: bPerm });
      da = ctx.reduceTo(g.op("MatMul", [dy, bt]), a);
      if (ra === 1) da = g.op("Reshape", [da, ctx.shape(ctx.input(0))]);
    }
    const repeated = ctx.needsGrad(1) ? perSequenceWeight(ctx) : undefined;
    if (repeated !== undefined) {
      // b repeats one weight over a's batch: its gradient Σ_s a[s]ᵀ·dy[s] goes to the weight itself.
      ctx.contribute(repeated.target, perSequenceWeightGradient(ctx, a, dy, repeated));
      db = ctx.absorb(1);
    } else if (ctx.needsGrad(1)) {
      const [k, n] = rb === 2 ? (ctx.shapeOf(b) ?? []) : [];
      if (rb2 === 2 && ra2 > 2 && typeof k === "number" && typeof n === "number") {
        db = weightGradient(ctx, a, dy, { k, n, layout: "KN" });
      } else if (rb2 === 2 && ra2 > 2) {
        const a2 = g.op("Flatten", [a], { axis: ra2 - 1 });
        const dy2 = g.op("Flatten", [dy], { axis: ra2 - 1 });
        db = g.op("Gemm", [a2, dy2], { transA: 1 });
        if (rb === 1) db = g.op("Reshape", [db, ctx.shape(ctx.input(1))]);
      } else {
        const [rows, cols] = ctx.shapeOf(a)?.slice(-2) ?? [];
        const width = ctx.shapeOf(dy)?.at(-1);
        // a square [T, T] (attention probabilities) against a narrower dy: aᵀ·dy = (dyᵀ·a)ᵀ, so that
        // MLAS transposes dy's blocks instead of a's (a becomes the packed operand, which costs no transpose).
        const squareA = ra2 > 2 && rows !== undefined && rows !== null && rows === cols;
        const narrower = typeof width === "number" && (typeof cols !== "number" || cols > width);
        const perm = lastTwoSwapped(ra2);
        const product =
          squareA && narrower
            ? g.op("Transpose", [g.op("MatMul", [g.op("Transpose", [dy], { perm }), a])], { perm })
            : g.op("MatMul", [g.op("Transpose", [a], { perm }), dy]);
        db = ctx.reduceTo(product, b);
        if (rb === 1) db = g.op("Reshape", [db, ctx.shape(ctx.input(1))]);
      }
    }
    return [da, db];
  },
};
