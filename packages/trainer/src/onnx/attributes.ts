import type { AttributeValue, Graph, Tensor } from "./types.js";

/**
 * What the builder accepts as an attribute: a tagged {@link AttributeValue}, or a plain value whose ONNX
 * type is inferred (integers → `int`, other numbers and the float attributes of {@link FLOAT_ATTRIBUTES}
 * → `float`, strings, arrays of those, tensors and graphs).
 *
 * @example
 * ```ts
 * const attrs: Record<string, AttributeInput> = { axis: -1, epsilon: 1e-5, perm: [0, 2, 1] };
 * ```
 */
export type AttributeInput =
  | AttributeValue
  | number
  | string
  | readonly number[]
  | readonly string[]
  | Tensor
  | Graph;

/**
 * Names of ONNX attributes that are floats even when given an integer value (`alpha: 1` in Gemm).
 *
 * @example
 * ```ts
 * FLOAT_ATTRIBUTES.has("epsilon"); // true
 * ```
 */
export const FLOAT_ATTRIBUTES: ReadonlySet<string> = new Set([
  "alpha",
  "beta",
  "gamma",
  "epsilon",
  "bias",
  "lambd",
  "ratio",
  "momentum",
  "mean",
  "scale",
  "high",
  "low",
  "min",
  "max",
  "value_float",
  "value_floats",
  "spatial_scale",
]);

/**
 * An attribute of type `float`, for when inference would pick `int`.
 *
 * @example
 * ```ts
 * g.op("Foo", [x], { weight: floatAttr(1) });
 * ```
 */
export function floatAttr(value: number): AttributeValue {
  return { type: "float", value };
}

function isTagged(value: AttributeInput): value is AttributeValue {
  return typeof value === "object" && !Array.isArray(value) && "type" in value && "value" in value;
}

function isTensor(value: AttributeInput): value is Tensor {
  return typeof value === "object" && !Array.isArray(value) && "dtype" in value && "data" in value;
}

/**
 * Converts a builder attribute input into a tagged {@link AttributeValue}.
 *
 * @example
 * ```ts
 * toAttribute("alpha", 1); // { type: "float", value: 1 }
 * toAttribute("axis", 1); // { type: "int", value: 1 }
 * ```
 */
export function toAttribute(name: string, value: AttributeInput): AttributeValue {
  if (typeof value === "number") {
    return FLOAT_ATTRIBUTES.has(name) || !Number.isInteger(value)
      ? { type: "float", value }
      : { type: "int", value };
  }
  if (typeof value === "string") return { type: "string", value };
  if (Array.isArray(value)) {
    if (value.length > 0 && typeof value[0] === "string")
      return { type: "strings", value: value as string[] };
    const numbers = value as readonly number[];
    return FLOAT_ATTRIBUTES.has(name) || numbers.some((v) => !Number.isInteger(v))
      ? { type: "floats", value: [...numbers] }
      : { type: "ints", value: [...numbers] };
  }
  const obj = value as AttributeValue | Tensor | Graph;
  if (isTagged(obj)) return obj;
  if (isTensor(obj)) return { type: "tensor", value: obj };
  return { type: "graph", value: obj as Graph };
}
