/** Safetensors dtypes this package reads and writes, with their byte widths. */
export const SAFETENSORS_DTYPE_BYTES = {
  F32: 4,
  F64: 8,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
} as const satisfies Record<string, number>;

/** A safetensors dtype this package reads. */
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;

/** The float dtypes a checkpoint can store its weights in. */
export type FloatSafetensorsDtype = "F32" | "F64" | "F16" | "BF16";

/** `config.json`'s `torch_dtype` (or transformers v5's `dtype`) for each float dtype. */
export const TORCH_DTYPES = {
  F32: "float32",
  F64: "float64",
  F16: "float16",
  BF16: "bfloat16",
} as const satisfies Record<FloatSafetensorsDtype, string>;

/**
 * Whether a safetensors dtype is a float one.
 *
 * @example
 * ```ts
 * isFloatDtype("BF16"); // true
 * ```
 */
export function isFloatDtype(dtype: SafetensorsDtype): dtype is FloatSafetensorsDtype {
  return dtype === "F32" || dtype === "F64" || dtype === "F16" || dtype === "BF16";
}

/**
 * The float dtype a `config.json` declares (`dtype`, else `torch_dtype`; `"torch.bfloat16"` is accepted),
 * or null when it declares none we know (absent, `"auto"`, a quantised type).
 *
 * @example
 * ```ts
 * declaredFloatDtype({ torch_dtype: "bfloat16" }); // "BF16"
 * ```
 */
export function declaredFloatDtype(rawConfig: Record<string, unknown>): FloatSafetensorsDtype | null {
  const value = rawConfig.dtype ?? rawConfig.torch_dtype;
  if (typeof value !== "string") return null;
  const name = value.replace(/^torch\./, "");
  for (const [dtype, torch] of Object.entries(TORCH_DTYPES)) {
    if (torch === name) return dtype as FloatSafetensorsDtype;
  }
  return null;
}
