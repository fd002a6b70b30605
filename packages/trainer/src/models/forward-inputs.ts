import type { GraphBuilder } from "../onnx/builder.js";
import type { FloatType, ForwardInputs } from "./model-family.js";

/** Additive bias for masked attention scores: finite, so fully padded rows stay NaN-free. */
export const MASKED_SCORE = -1e9;

/**
 * Declare the `input_ids` [B, T] and `attention_mask` [B, T] (int64, 1 = token, 0 = padding) graph inputs
 * and derive what every family's forward needs from them: positions that skip padding and the causal +
 * padding attention bias.
 *
 * ```text
 * pos[b, t]      = max(0, Σ_{s ≤ t} mask[b, s] − 1)     (left or right padding give the same positions)
 * bias[b,0,i,j]  = 0 if j ≤ i and mask[b, j] = 1, else −1e9
 * ```
 *
 * @example
 * ```ts
 * const { inputIds, attentionMask, forward } = declareForwardInputs(g);
 * ```
 */
export function declareForwardInputs(
  g: GraphBuilder,
  dtype: FloatType = "float32",
): {
  inputIds: string;
  attentionMask: string;
  forward: ForwardInputs;
} {
  const inputIds = g.input("input_ids", "int64", ["batch", "seq"]);
  const attentionMask = g.input("attention_mask", "int64", ["batch", "seq"]);
  return g.scoped("mask", () => {
    const one = g.constant(BigInt64Array.from([1n]), []);
    const zero = g.constant(BigInt64Array.from([0n]), []);
    const cumulative = g.op("CumSum", [attentionMask, one]);
    const positionIds = g.op("Max", [g.op("Sub", [cumulative, one]), zero]);
    const seqLen = g.op("Gather", [g.op("Shape", [inputIds]), one], { axis: 0 });
    const range = g.op("Range", [zero, seqLen, one]);
    const causal = g.op("LessOrEqual", [
      g.op("Unsqueeze", [range, g.int64s([0])]),
      g.op("Unsqueeze", [range, g.int64s([1])]),
    ]);
    const keys = g.op("Unsqueeze", [g.cast(attentionMask, "bool"), g.int64s([1, 2])]);
    const allowed = g.op("And", [causal, keys]);
    const attentionBias = g.op("Where", [allowed, g.scalar(0, dtype), g.scalar(MASKED_SCORE, dtype)]);
    return { inputIds, attentionMask, forward: { dtype, inputIds, positionIds, attentionBias } };
  });
}
