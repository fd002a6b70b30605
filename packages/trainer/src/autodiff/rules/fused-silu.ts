import { isStandardOp } from "../../onnx/default-domain.js";
import type { GradContext } from "../grad-context.js";

/**
 * The gradient of SiLU written as `a = x ⊙ Sigmoid(x)` (this Mul the Sigmoid's only reader), with the
 * Sigmoid's share folded in: four passes over x instead of six and a Sum. Undefined when the Mul is not
 * that pattern.
 *
 * ```text
 * s = σ(x), a = x ⊙ s:   dx = dy ⊙ s ⊙ (1 + x − a)      (= dy ⊙ (s + x ⊙ s ⊙ (1 − s)))
 * ```
 *
 * @example
 * ```ts
 * const grads = fusedSiluGrad(ctx) ?? plainMulGrad(ctx);
 * ```
 */
export function fusedSiluGrad(ctx: GradContext): (string | undefined)[] | undefined {
  for (const [xi, si] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const x = ctx.input(xi);
    const s = ctx.input(si);
    const sigmoid = ctx.privateProducer(s);
    if (!isStandardOp(sigmoid, "Sigmoid") || sigmoid.inputs[0] !== x || s === x) continue;
    const { g } = ctx;
    const slope = g.op("Mul", [g.op("Add", [g.op("Sub", [x, ctx.output(0)]), ctx.scalarLike(1, x)]), s]);
    const grads: (string | undefined)[] = [];
    grads[xi] = g.op("Mul", [ctx.dy(), slope]);
    grads[si] = ctx.absorb(si);
    return grads;
  }
  return undefined;
}
