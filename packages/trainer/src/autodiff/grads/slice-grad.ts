import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Slice` (opset ≥ 10 inputs form): the output gradient placed back where the slice came
 * from, zeros elsewhere.
 *
 * ```text
 * y = x[starts:ends:steps]    dx = Pad(dy, begin = clamp(start), end = dim − clamp(end))   (steps 1, static dims)
 *                             dx = ScatterElements(0, Slice(iota(x)), dy)                (otherwise)
 * ```
 * The general form slices a flat index tensor `iota = reshape(range(size(x)), shape(x))` with the same
 * parameters, so negative, clamped and strided slices all land on the right elements.
 *
 * @example
 * ```ts
 * GRADIENTS.Slice === sliceGrad;
 * ```
 */
export const sliceGrad: GradientRule = {
  opType: "Slice",
  gradient: (ctx) => {
    const { g } = ctx;
    const x = ctx.input(0);
    const xs = ctx.shapeOf(x);
    const starts = ctx.constInput(1);
    const ends = ctx.constInput(2);
    const axes = ctx.input(3) === "" ? xs?.map((_, i) => i) : ctx.constInput(3);
    const steps = ctx.input(4) === "" ? undefined : ctx.constInput(4);
    const unitSteps = ctx.input(4) === "" || (steps?.every((s) => s === 1) ?? false);
    if (xs !== undefined && starts !== undefined && ends !== undefined && axes !== undefined && unitSteps) {
      const rank = xs.length;
      const pads = new Array<number>(2 * rank).fill(0);
      let ok = true;
      axes.forEach((raw, k) => {
        const axis = raw < 0 ? raw + rank : raw;
        const dim = xs[axis];
        const s = starts[k];
        const e = ends[k];
        if (typeof dim !== "number" || s === undefined || e === undefined) {
          ok = false;
          return;
        }
        const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
        const begin = clamp(s);
        const end = Math.max(clamp(e), begin);
        pads[axis] = begin;
        pads[axis + rank] = dim - end;
      });
      if (ok) {
        return [g.op("Pad", [ctx.dy(), ctx.ints(pads), ctx.scalarLike(0, ctx.dy())]), undefined, undefined];
      }
    }
    const size = g.op("Size", [x]);
    const iota = g.op("Reshape", [
      g.op("Range", [ctx.scalarLike(0, size), size, ctx.scalarLike(1, size)]),
      ctx.shape(x),
    ]);
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
