/**
 * Reverse-mode automatic differentiation of ONNX graphs into standard ONNX ops, so onnxruntime's
 * ordinary `InferenceSession` computes gradients (no training build needed).
 *
 * @example
 * ```ts
 * const g = new GraphBuilder();
 * const x = g.input("x", "float32", ["batch", 4]);
 * const w = g.initializer("w", makeTensor(new Float32Array(12), [4, 3]));
 * const loss = g.op("ReduceMean", [g.op("Tanh", [g.op("MatMul", [x, w])])], { keepdims: 0 });
 * const grads = addGradients(g, { loss, wrt: [w] }); // Map { "w" => "grad/w" }
 * g.output(loss);
 * g.output(grads.get(w) ?? "");
 * ```
 */

export { type GradCheckEntry, type GradCheckOptions, gradCheck } from "./grad-check.js";
export { GradContext } from "./grad-context.js";
export { addGradients, buildGradientModel, type GradientOptions } from "./gradient.js";
export type { GradientRule } from "./gradient-rule.js";
export { reduceToShape } from "./helpers/unbroadcast.js";
export { type DifferentiableOp, GRADIENTS } from "./rules/index.js";
