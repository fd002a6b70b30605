import type { GradContext } from "./grad-context.js";

/**
 * The gradient of one ONNX op type (tfjs's `GradConfig`): given the forward node and the gradients of
 * its outputs (through `ctx`), emit standard ONNX ops computing the gradient of each input.
 *
 * `gradient` returns one entry per forward input: the name of its gradient (same shape and dtype as the
 * input), or `undefined` when the input needs none (`ctx.needsGrad(i)` is false, or it is an index/shape).
 *
 * @example
 * ```ts
 * export const negGrad: GradientRule = {
 *   opType: "Neg",
 *   gradient: (ctx) => [ctx.g.op("Neg", [ctx.dy()])],
 * };
 * ```
 */
export interface GradientRule {
  /** ONNX op type in the default domain, e.g. `"MatMul"`. */
  readonly opType: string;
  /** Emits the input gradients of `ctx.node`. */
  gradient(ctx: GradContext): readonly (string | undefined)[];
}
