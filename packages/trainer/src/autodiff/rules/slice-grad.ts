import type { GradContext } from "../grad-context.js";
import type { GradientRule } from "../gradient-rule.js";

/** Pads for `Pad` when all facts are static: `[begin₀…, end₀…]` over every axis, or `undefined`. */
function staticPads(ctx: GradContext, axes: readonly number[]): number[] | undefined {
  const xs = ctx.shapeOf(ctx.input(0));
  const starts = ctx.constInput(1);
  const ends = ctx.constInput(2);
  if (xs === undefined || starts === undefined || ends === undefined) return undefined;
  const rank = xs.length;
  const pads = new Array<number>(2 * rank).fill(0);
  for (const [k, raw] of axes.entries()) {
    const axis = raw < 0 ? raw + rank : raw;
    const dim = xs[axis];
    const s = starts[k];
    const e = ends[k];
    if (typeof dim !== "number" || s === undefined || e === undefined) return undefined;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
    const begin = clamp(s);
    pads[axis] = begin;
    pads[axis + rank] = dim - Math.max(clamp(e), begin);
  }
  return pads;
}

/** The same pads computed at run time from `Shape(x)`, starts and ends (unit steps). */
function dynamicPads(ctx: GradContext, axes: readonly number[]): string {
  const { g } = ctx;
  const x = ctx.input(0);
  const rank = ctx.rankOf(x);
  const norm = axes.map((a) => (a < 0 ? a + rank : a));
  const dims = g.op("Gather", [ctx.shape(x), ctx.ints(norm)]);
  const zero = ctx.ints([0]);
  const resolve = (v: string) => {
    const v64 = ctx.castLike(v, dims);
    const wrapped = g.op("Where", [g.op("Less", [v64, zero]), g.op("Add", [v64, dims]), v64]);
    return g.op("Min", [g.op("Max", [wrapped, zero]), dims]);
  };
  const begin = resolve(ctx.input(1));
  const end = g.op("Max", [resolve(ctx.input(2)), begin]);
  const after = g.op("Sub", [dims, end]);
  const pick = (v: string, k: number) => g.op("Slice", [v, ctx.ints([k]), ctx.ints([k + 1])]);
  const full = (v: string) =>
    Array.from({ length: rank }, (_, axis) => {
      const k = norm.indexOf(axis);
      return k < 0 ? zero : pick(v, k);
    });
  return g.op("Concat", [...full(begin), ...full(after)], { axis: 0 });
}

/**
 * Gradient of `Slice` (opset ≥ 10 inputs form): the output gradient placed back where the slice came
 * from, zeros elsewhere.
 *
 * ```text
 * y = x[starts:ends:steps]    dx = Pad(dy, begin = clamp(start), end = dim − clamp(end))   (steps 1)
 *                             dx = ScatterElements(0, Slice(iota(x)), dy)                (other steps)
 * ```
 * With unit steps and constant axes the pads are constants when dims are static, and computed from
 * `Shape(x)` otherwise (a dynamic `seq`). Other steps slice a flat index tensor
 * `iota = reshape(range(size(x)), shape(x))` with the same parameters, so negative, clamped and strided
 * slices all land on the right elements.
 *
 * @example
 * ```ts
 * GRADIENTS.Slice === sliceGrad; // logits[:, :-1] in the log-prob graph, rotate_half in RoPE
 * ```
 */
export const sliceGrad: GradientRule = {
  opType: "Slice",
  gradient: (ctx) => {
    const { g } = ctx;
    const x = ctx.input(0);
    const rank = ctx.rankOf(x);
    // Without `axes`, starts/ends name the leading axes, as many as they have entries.
    const count = ctx.shapeOf(ctx.input(1))?.[0];
    const axes =
      ctx.input(3) !== ""
        ? ctx.constInput(3)
        : typeof count === "number" && count <= rank
          ? Array.from({ length: count }, (_, i) => i)
          : undefined;
    const steps = ctx.input(4) === "" ? undefined : ctx.constInput(4);
    const unitSteps = ctx.input(4) === "" || (steps?.every((s) => s === 1) ?? false);
    if (axes !== undefined && unitSteps) {
      const known = staticPads(ctx, axes);
      const pads = known === undefined ? dynamicPads(ctx, axes) : ctx.ints(known);
      return [g.op("Pad", [ctx.dy(), pads, ctx.scalarLike(0, ctx.dy())]), undefined, undefined];
    }
    const size = g.op("Size", [x]);
    const range = g.op("Range", [ctx.scalarLike(0, size), size, ctx.scalarLike(1, size)]);
    const iota = g.op("Reshape", [range, ctx.shape(x)]);
    const picked = g.op("Slice", [iota, ...ctx.node.inputs.slice(1)]);
    const flat = ctx.ints([-1]);
    const zeros = ctx.zerosOfShape(g.op("Reshape", [size, flat]), ctx.dtypeOf(x));
    const scattered = g.op("ScatterElements", [
      zeros,
      g.op("Reshape", [picked, flat]),
      g.op("Reshape", [ctx.dy(), flat]),
    ]);
    return [g.op("Reshape", [scattered, ctx.shape(x)]), undefined, undefined];
  },
};
