/**
 * The float precision of everything numeric in the trainer: weights once read, graphs built, weights fed,
 * losses emitted and optimizer state kept, float32 for use and float64 for exact checks (onnxruntime's CPU
 * provider runs both). F16 and BF16 checkpoints widen exactly to either; F64 narrows to float32.
 *
 * @example
 * ```ts
 * const dtype: FloatType = "float64";
 * ```
 */
export type FloatType = "float32" | "float64";
