import { isDefaultDomain } from "./default-domain.js";
import { tensorToNumbers } from "./tensor.js";
import type { Dim, Node, Tensor, ValueType } from "./types.js";

/**
 * What {@link inferShapeValue} may look up: types, constants, and the known element values of other small
 * integer tensors.
 *
 * @example
 * ```ts
 * const env: ShapeValueEnv = { typeOf, constantOf, valueOf: (name) => values.get(name) };
 * ```
 */
export interface ShapeValueEnv {
  typeOf(name: string): ValueType | undefined;
  constantOf(name: string): Tensor | undefined;
  valueOf(name: string): readonly Dim[] | undefined;
}

/**
 * Tensors up to this many elements have their values tracked (shapes, axes, sizes).
 *
 * @example
 * ```ts
 * constantShapeValue(int64Tensor(new Array(MAX_TRACKED_VALUES + 1).fill(0))); // undefined
 * ```
 */
export const MAX_TRACKED_VALUES = 16;

/**
 * The element values of a small integer constant, if `t` is one.
 *
 * @example
 * ```ts
 * constantShapeValue(int64Tensor([0, -1])); // [0, -1]
 * ```
 */
export function constantShapeValue(t: Tensor): Dim[] | undefined {
  if (t.dtype !== "int64" && t.dtype !== "int32") return undefined;
  if (t.dims.length > 1 || t.data.length > MAX_TRACKED_VALUES) return undefined;
  return tensorToNumbers(t);
}

function arg(node: Node, env: ShapeValueEnv, i: number): readonly Dim[] | undefined {
  const name = node.inputs[i];
  return name === undefined || name === "" ? undefined : env.valueOf(name);
}

function intAttr(node: Node, name: string, fallback: number): number {
  const a = node.attributes[name];
  return a?.type === "int" ? a.value : fallback;
}

function numbers(v: readonly Dim[] | undefined): number[] | undefined {
  return v?.every((d) => typeof d === "number") ? (v as number[]) : undefined;
}

function arithmetic(node: Node, env: ShapeValueEnv, f: (a: number, b: number) => number): Dim[] | undefined {
  const a = arg(node, env, 0);
  const b = arg(node, env, 1);
  if (a === undefined || b === undefined) return undefined;
  const n = Math.max(a.length, b.length);
  if ((a.length !== n && a.length !== 1) || (b.length !== n && b.length !== 1)) return undefined;
  return Array.from({ length: n }, (_, i) => {
    const x = a.length === 1 ? a[0] : a[i];
    const y = b.length === 1 ? b[0] : b[i];
    if (typeof x === "number" && typeof y === "number") return f(x, y);
    if (node.opType === "Mul" && (x === 1 || y === 1)) return x === 1 ? (y ?? null) : (x ?? null);
    if ((node.opType === "Add" || node.opType === "Sub") && y === 0) return x ?? null;
    return null;
  });
}

/**
 * Symbolic constant folding of shape arithmetic: the element values of a small integer tensor computed
 * by `Shape`, `Gather`, `Concat`, `Slice`, `Unsqueeze`, … as numbers or symbolic dims (`"seq"`). This
 * lets Reshape/Expand/Range targets built from `Shape(x)` keep symbolic shapes.
 *
 * @example
 * ```ts
 * // Shape(ids) with ids: ["batch", "seq"], then Gather(…, 1) → ["seq"]
 * ```
 */
export function inferShapeValue(node: Node, env: ShapeValueEnv): Dim[] | undefined {
  if (!isDefaultDomain(node.domain)) return undefined;
  switch (node.opType) {
    case "Constant": {
      const v = node.attributes.value;
      if (v?.type === "tensor") return constantShapeValue(v.value);
      const i = node.attributes.value_int;
      if (i?.type === "int") return [i.value];
      const is = node.attributes.value_ints;
      return is?.type === "ints" && is.value.length <= MAX_TRACKED_VALUES ? [...is.value] : undefined;
    }
    case "Shape": {
      const shape = env.typeOf(node.inputs[0] ?? "")?.shape;
      if (shape === undefined) return undefined;
      const rank = shape.length;
      const norm = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
      return shape.slice(norm(intAttr(node, "start", 0)), norm(intAttr(node, "end", rank)));
    }
    case "Size": {
      const shape = numbers(env.typeOf(node.inputs[0] ?? "")?.shape);
      return shape === undefined ? undefined : [shape.reduce((p, d) => p * d, 1)];
    }
    case "Identity":
    case "Unsqueeze":
    case "Squeeze":
    case "Reshape":
    case "Flatten":
      return arg(node, env, 0)?.slice();
    case "Cast": {
      const to = node.attributes.to;
      return to?.type === "int" && (to.value === 6 || to.value === 7)
        ? arg(node, env, 0)?.slice()
        : undefined;
    }
    case "Gather": {
      const data = arg(node, env, 0);
      const idx = numbers(arg(node, env, 1));
      if (data === undefined || idx === undefined || intAttr(node, "axis", 0) !== 0) return undefined;
      const picked = idx.map((i) => data[i < 0 ? i + data.length : i]);
      return picked.some((d) => d === undefined) ? undefined : (picked as Dim[]);
    }
    case "Concat": {
      const parts = node.inputs.map((_, i) => arg(node, env, i));
      if (parts.some((p) => p === undefined)) return undefined;
      const out = parts.flatMap((p) => p ?? []);
      return out.length <= MAX_TRACKED_VALUES ? out : undefined;
    }
    case "Slice": {
      const data = arg(node, env, 0);
      const starts = numbers(arg(node, env, 1));
      const ends = numbers(arg(node, env, 2));
      const steps = node.inputs[4] ? numbers(arg(node, env, 4)) : [1];
      if (data === undefined || starts?.length !== 1 || ends?.length !== 1 || steps?.[0] !== 1)
        return undefined;
      const n = data.length;
      const norm = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
      return data.slice(norm(starts[0] ?? 0), norm(ends[0] ?? n));
    }
    case "Add":
      return arithmetic(node, env, (a, b) => a + b);
    case "Sub":
      return arithmetic(node, env, (a, b) => a - b);
    case "Mul":
      return arithmetic(node, env, (a, b) => a * b);
    case "Div":
      return arithmetic(node, env, (a, b) => Math.trunc(a / b));
    default:
      return undefined;
  }
}
