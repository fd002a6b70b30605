import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of variadic `Min` (numpy broadcasting): the gradient goes to the inputs equal to the result
 * (each of them at a tie, where the function is not differentiable).
 *
 * ```text
 * y = min(x₁…x_n)    dxᵢ = unbroadcast(xᵢ = y ? dy : 0, xᵢ)
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Min === minGrad;
 * ```
 */
export const minGrad: GradientRule = {
  opType: "Min",
  gradient: (ctx) =>
    ctx.node.inputs.map((x, i) => {
      if (!ctx.needsGrad(i)) return undefined;
      const picked = ctx.g.op("Equal", [x, ctx.output(0)]);
      return ctx.reduceTo(ctx.g.op("Where", [picked, ctx.dy(), ctx.scalarLike(0, x)]), x);
    }),
};
