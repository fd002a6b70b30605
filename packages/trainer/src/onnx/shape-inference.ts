import { isDefaultDomain } from "./default-domain.js";
import { tensorToNumbers } from "./tensor.js";
import type { AttributeValue, DataType, Dim, Node, Tensor, ValueType } from "./types.js";

/**
 * What an inference function may look up: the known type of a value and the constant value of an
 * initializer or `Constant` output (used for shapes and axes given as inputs).
 *
 * @example
 * ```ts
 * const env: InferenceEnv = { typeOf: (name) => types.get(name), constantOf: () => undefined };
 * ```
 */
export interface InferenceEnv {
  typeOf(name: string): ValueType | undefined;
  constantOf(name: string): Tensor | undefined;
  /** Known element values (numbers or symbolic dims) of small integer tensors such as computed shapes. */
  valueOf?(name: string): readonly Dim[] | undefined;
}

type Infer = (node: Node, env: InferenceEnv) => (ValueType | undefined)[];

function attr(node: Node, name: string): AttributeValue | undefined {
  return node.attributes[name];
}

function intAttr(node: Node, name: string, fallback: number): number {
  const a = attr(node, name);
  return a?.type === "int" ? a.value : fallback;
}

function intsAttr(node: Node, name: string): readonly number[] | undefined {
  const a = attr(node, name);
  return a?.type === "ints" ? a.value : undefined;
}

/** Constant integer values of input `index`, when it is a constant. */
function constInts(node: Node, env: InferenceEnv, index: number): number[] | undefined {
  const name = node.inputs[index];
  if (name === undefined || name === "") return undefined;
  const t = env.constantOf(name);
  return t === undefined ? undefined : tensorToNumbers(t);
}

/** Values of input `index` as dims (symbolic allowed): tracked shape values, else constants. */
function dimValues(node: Node, env: InferenceEnv, index: number): Dim[] | undefined {
  const name = node.inputs[index];
  if (name === undefined || name === "") return undefined;
  const tracked = env.valueOf?.(name);
  return tracked === undefined ? constInts(node, env, index) : [...tracked];
}

/**
 * The dim that `-1` stands for in a Reshape from `input` to `target` (the other entries resolved):
 * numbers divide; symbols cancel, so `[b, kv, rep, "seq", d] → [b, heads, -1, d]` gives `"seq"`.
 */
function solveMinusOne(input: readonly Dim[], target: readonly Dim[], minus: number): Dim {
  if (input.some((d) => d === null)) return null;
  let numIn = 1;
  const symIn: string[] = [];
  for (const d of input) {
    if (typeof d === "number") numIn *= d;
    else if (d !== null) symIn.push(d);
  }
  let numOut = 1;
  for (const [i, d] of target.entries()) {
    if (i === minus) continue;
    if (d === null) return null;
    if (typeof d === "number") numOut *= d;
    else {
      const k = symIn.indexOf(d);
      if (k < 0) return null;
      symIn.splice(k, 1);
    }
  }
  if (numOut === 0 || numIn % numOut !== 0) return null;
  const ratio = numIn / numOut;
  if (symIn.length === 0) return ratio;
  return symIn.length === 1 && ratio === 1 ? (symIn[0] ?? null) : null;
}

function input(node: Node, env: InferenceEnv, index = 0): ValueType | undefined {
  const name = node.inputs[index];
  return name === undefined || name === "" ? undefined : env.typeOf(name);
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/**
 * The broadcast of two dims under numpy rules: 1 yields to the other; equal dims stay; a known size wins
 * over a symbol (the symbol must be 1 or that size); two different symbols give `null`.
 *
 * @example
 * ```ts
 * broadcastDim(1, "seq"); // "seq"
 * broadcastDim("batch", 4); // 4
 * ```
 */
export function broadcastDim(a: Dim, b: Dim): Dim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === b) return a;
  if (typeof a === "number") return a;
  if (typeof b === "number") return b;
  return null;
}

/**
 * Numpy-style broadcast of shapes (right-aligned); `undefined` when a rank is unknown.
 *
 * @example
 * ```ts
 * broadcastShapes([["batch", 1, 8], [4, 8]]); // ["batch", 4, 8]
 * ```
 */
export function broadcastShapes(shapes: readonly (readonly Dim[] | undefined)[]): Dim[] | undefined {
  let out: Dim[] = [];
  for (const shape of shapes) {
    if (shape === undefined) return undefined;
    const rank = Math.max(out.length, shape.length);
    const next: Dim[] = [];
    for (let i = 0; i < rank; i++) {
      const ia = i - (rank - out.length);
      const ib = i - (rank - shape.length);
      const a = ia >= 0 ? (out[ia] ?? null) : 1;
      const b = ib >= 0 ? (shape[ib] ?? null) : 1;
      next.push(broadcastDim(a, b));
    }
    out = next;
  }
  return out;
}

function withShape(dtype: DataType, shape: readonly Dim[] | undefined): ValueType {
  return shape === undefined ? { dtype } : { dtype, shape };
}

const sameAsInput: Infer = (node, env) => {
  const x = input(node, env);
  return x === undefined ? [] : [x];
};

const broadcastSame: Infer = (node, env) => {
  const types = node.inputs.map((_, i) => input(node, env, i));
  const first = types[0];
  if (first === undefined) return [];
  return [withShape(first.dtype, broadcastShapes(types.map((t) => t?.shape)))];
};

const broadcastBool: Infer = (node, env) => {
  const types = node.inputs.map((_, i) => input(node, env, i));
  return [withShape("bool", broadcastShapes(types.map((t) => t?.shape)))];
};

const where: Infer = (node, env) => {
  const types = [0, 1, 2].map((i) => input(node, env, i));
  const x = types[1] ?? types[2];
  if (x === undefined) return [];
  return [withShape(x.dtype, broadcastShapes(types.map((t) => t?.shape)))];
};

const matmul: Infer = (node, env) => {
  const a = input(node, env, 0);
  const b = input(node, env, 1);
  if (a === undefined) return [];
  if (a.shape === undefined || b?.shape === undefined) return [{ dtype: a.dtype }];
  const sa = a.shape.length === 1 ? [1, ...a.shape] : a.shape;
  const sb = b.shape.length === 1 ? [...b.shape, 1] : b.shape;
  const batch = broadcastShapes([sa.slice(0, -2), sb.slice(0, -2)]) ?? [];
  const shape: Dim[] = [...batch];
  if (a.shape.length > 1) shape.push(sa[sa.length - 2] ?? null);
  if (b.shape.length > 1) shape.push(sb[sb.length - 1] ?? null);
  return [{ dtype: a.dtype, shape }];
};

const gemm: Infer = (node, env) => {
  const a = input(node, env, 0);
  const b = input(node, env, 1);
  if (a === undefined) return [];
  if (a.shape?.length !== 2 || b?.shape?.length !== 2) return [{ dtype: a.dtype }];
  const m = intAttr(node, "transA", 0) ? a.shape[1] : a.shape[0];
  const n = intAttr(node, "transB", 0) ? b.shape[0] : b.shape[1];
  return [{ dtype: a.dtype, shape: [m ?? null, n ?? null] }];
};

/**
 * Reduction axes from the `axes` attribute or input (opset 13/18 forms); `[]` when absent (all axes, or
 * none with `noop_with_empty_axes`), `undefined` when given by a non-constant input.
 *
 * @example
 * ```ts
 * reduceAxes(node, g); // [-1] for ReduceMean(x, axes = [-1])
 * ```
 */
export function reduceAxes(node: Node, env: InferenceEnv): number[] | undefined {
  const fromAttr = intsAttr(node, "axes");
  if (fromAttr !== undefined) return [...fromAttr];
  if (node.inputs.length > 1 && node.inputs[1] !== "") return constInts(node, env, 1);
  return [];
}

const reduce: Infer = (node, env) => {
  const x = input(node, env);
  if (x === undefined) return [];
  const axes = reduceAxes(node, env);
  const keep = intAttr(node, "keepdims", 1) === 1;
  if (x.shape === undefined || axes === undefined) return [{ dtype: x.dtype }];
  const rank = x.shape.length;
  const all = axes.length === 0 && intAttr(node, "noop_with_empty_axes", 0) === 0;
  if (axes.length === 0 && !all) return [x];
  const set = new Set(all ? x.shape.map((_, i) => i) : axes.map((a) => normAxis(a, rank)));
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!set.has(i)) shape.push(d);
    else if (keep) shape.push(1);
  });
  return [{ dtype: x.dtype, shape }];
};

const gather: Infer = (node, env) => {
  const x = input(node, env, 0);
  const idx = input(node, env, 1);
  if (x === undefined) return [];
  if (x.shape === undefined || idx?.shape === undefined) return [{ dtype: x.dtype }];
  const axis = normAxis(intAttr(node, "axis", 0), x.shape.length);
  return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)] }];
};

const gatherElements: Infer = (node, env) => {
  const x = input(node, env, 0);
  const idx = input(node, env, 1);
  if (x === undefined) return [];
  return [withShape(x.dtype, idx?.shape)];
};

const reshape: Infer = (node, env) => {
  const x = input(node, env, 0);
  if (x === undefined) return [];
  const target = dimValues(node, env, 1);
  if (target === undefined) {
    const s = input(node, env, 1)?.shape;
    const rank = s?.[0];
    return [
      typeof rank === "number"
        ? { dtype: x.dtype, shape: new Array<Dim>(rank).fill(null) }
        : { dtype: x.dtype },
    ];
  }
  const allowZero = intAttr(node, "allowzero", 0) === 1;
  const shape: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? (x.shape?.[i] ?? null) : d));
  const minus = shape.indexOf(-1);
  if (minus >= 0) shape[minus] = x.shape === undefined ? null : solveMinusOne(x.shape, shape, minus);
  return [{ dtype: x.dtype, shape }];
};

const transpose: Infer = (node, env) => {
  const x = input(node, env);
  if (x?.shape === undefined) return x === undefined ? [] : [{ dtype: x.dtype }];
  const shape = x.shape;
  const perm = intsAttr(node, "perm") ?? shape.map((_, i) => shape.length - 1 - i);
  return [{ dtype: x.dtype, shape: perm.map((p) => shape[p] ?? null) }];
};

/** Axes of Squeeze/Unsqueeze from the attribute (opset < 13) or the input (opset ≥ 13). */
function axesOf(node: Node, env: InferenceEnv): number[] | undefined {
  const a = intsAttr(node, "axes");
  if (a !== undefined) return [...a];
  return node.inputs.length > 1 && node.inputs[1] !== "" ? constInts(node, env, 1) : undefined;
}

const unsqueeze: Infer = (node, env) => {
  const x = input(node, env);
  if (x === undefined) return [];
  const axes = axesOf(node, env);
  if (x.shape === undefined || axes === undefined) return [{ dtype: x.dtype }];
  const rank = x.shape.length + axes.length;
  const set = new Set(axes.map((a) => normAxis(a, rank)));
  const shape: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(set.has(i) ? 1 : (x.shape[j++] ?? null));
  return [{ dtype: x.dtype, shape }];
};

const squeeze: Infer = (node, env) => {
  const x = input(node, env);
  if (x === undefined) return [];
  if (x.shape === undefined) return [{ dtype: x.dtype }];
  const given = axesOf(node, env);
  const shape = x.shape;
  if (given === undefined && node.inputs.length > 1 && node.inputs[1] !== "") return [{ dtype: x.dtype }];
  const axes = given === undefined ? shape.flatMap((d, i) => (d === 1 ? [i] : [])) : given;
  const set = new Set(axes.map((a) => normAxis(a, shape.length)));
  return [{ dtype: x.dtype, shape: shape.filter((_, i) => !set.has(i)) }];
};

const concat: Infer = (node, env) => {
  const types = node.inputs.map((_, i) => input(node, env, i));
  const first = types.find((t) => t !== undefined);
  if (first === undefined) return [];
  const rank = first.shape?.length;
  if (rank === undefined || types.some((t) => t?.shape === undefined)) return [{ dtype: first.dtype }];
  const axis = normAxis(intAttr(node, "axis", 0), rank);
  const shape: Dim[] = [...(first.shape ?? [])];
  let total: Dim = 0;
  for (const t of types) {
    const d = t?.shape?.[axis] ?? null;
    total = typeof total === "number" && typeof d === "number" ? total + d : null;
  }
  shape[axis] = total;
  return [{ dtype: first.dtype, shape }];
};

const split: Infer = (node, env) => {
  const x = input(node, env);
  if (x === undefined) return [];
  const n = node.outputs.length;
  if (x.shape === undefined) return node.outputs.map(() => ({ dtype: x.dtype }));
  const axis = normAxis(intAttr(node, "axis", 0), x.shape.length);
  const sizes = intsAttr(node, "split") ?? constInts(node, env, 1);
  const d = x.shape[axis];
  return node.outputs.map((_, i) => {
    const shape = [...(x.shape ?? [])];
    let size: Dim = null;
    if (sizes !== undefined) size = sizes[i] ?? null;
    else if (typeof d === "number" && d % n === 0) size = d / n;
    shape[axis] = size;
    return { dtype: x.dtype, shape };
  });
};

const slice: Infer = (node, env) => {
  const x = input(node, env);
  if (x === undefined) return [];
  if (x.shape === undefined) return [{ dtype: x.dtype }];
  const starts = constInts(node, env, 1);
  const ends = constInts(node, env, 2);
  // Without `axes`, starts/ends name the leading axes, as many as they have entries.
  const count = starts?.length ?? input(node, env, 1)?.shape?.[0];
  const axes = node.inputs[3]
    ? constInts(node, env, 3)
    : typeof count === "number"
      ? Array.from({ length: count }, (_, i) => i)
      : undefined;
  const steps = node.inputs[4] ? constInts(node, env, 4) : undefined;
  const shape: Dim[] = [...x.shape];
  if (axes === undefined) return [{ dtype: x.dtype, shape: shape.map(() => null) }];
  axes.forEach((a, k) => {
    const axis = normAxis(a, shape.length);
    const dim = x.shape?.[axis] ?? null;
    const s = starts?.[k];
    const e = ends?.[k];
    const step = steps?.[k] ?? 1;
    if (typeof dim !== "number" || s === undefined || e === undefined) {
      shape[axis] = null;
      return;
    }
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    const norm = (v: number) => (v < 0 ? v + dim : v);
    const lo = step > 0 ? clamp(norm(s), 0, dim) : clamp(norm(s), -1, dim - 1);
    const hi = step > 0 ? clamp(norm(e), 0, dim) : clamp(norm(e), -1, dim - 1);
    shape[axis] = Math.max(0, Math.ceil((hi - lo) / step));
  });
  return [{ dtype: x.dtype, shape }];
};

const expand: Infer = (node, env) => {
  const x = input(node, env);
  if (x === undefined) return [];
  const target = dimValues(node, env, 1);
  if (target !== undefined) return [withShape(x.dtype, broadcastShapes([x.shape, target]))];
  const rank = input(node, env, 1)?.shape?.[0];
  if (typeof rank !== "number" || x.shape === undefined) return [{ dtype: x.dtype }];
  return [{ dtype: x.dtype, shape: broadcastShapes([x.shape, new Array<Dim>(rank).fill(null)]) ?? [] }];
};

const cast: Infer = (node, env) => {
  const x = input(node, env);
  const to = attr(node, "to");
  if (to?.type !== "int") return [];
  const dtype = CAST_CODES[to.value];
  if (dtype === undefined) return [];
  return [withShape(dtype, x?.shape)];
};

const CAST_CODES: Record<number, DataType> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  8: "string",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
  13: "uint64",
  16: "bfloat16",
};

const castLike: Infer = (node, env) => {
  const x = input(node, env);
  const like = input(node, env, 1);
  return like === undefined ? [] : [withShape(like.dtype, x?.shape)];
};

const shapeOp: Infer = (node, env) => {
  const x = input(node, env);
  const rank = x?.shape?.length;
  if (rank === undefined) return [{ dtype: "int64", shape: [null] }];
  const start = normAxis(intAttr(node, "start", 0), rank);
  const endAttr = attr(node, "end");
  const end = endAttr?.type === "int" ? normAxis(endAttr.value, rank) : rank;
  return [{ dtype: "int64", shape: [Math.max(0, Math.min(end, rank) - Math.max(start, 0))] }];
};

const constant: Infer = (node) => {
  const v = attr(node, "value");
  if (v?.type === "tensor") return [{ dtype: v.value.dtype, shape: v.value.dims }];
  const f = attr(node, "value_float");
  if (f !== undefined) return [{ dtype: "float32", shape: [] }];
  const i = attr(node, "value_int");
  if (i !== undefined) return [{ dtype: "int64", shape: [] }];
  const fs = attr(node, "value_floats");
  if (fs?.type === "floats") return [{ dtype: "float32", shape: [fs.value.length] }];
  const is = attr(node, "value_ints");
  if (is?.type === "ints") return [{ dtype: "int64", shape: [is.value.length] }];
  return [];
};

const constantOfShape: Infer = (node, env) => {
  const v = attr(node, "value");
  const dtype: DataType = v?.type === "tensor" ? v.value.dtype : "float32";
  const dims = dimValues(node, env, 0);
  if (dims !== undefined) return [{ dtype, shape: dims }];
  const rank = input(node, env)?.shape?.[0];
  return [typeof rank === "number" ? { dtype, shape: new Array<Dim>(rank).fill(null) } : { dtype }];
};

const layerNorm: Infer = (node, env) => {
  const x = input(node, env);
  if (x === undefined) return [];
  const stashType = attr(node, "stash_type");
  const statDtype: DataType = stashType?.type === "int" && stashType.value !== 1 ? x.dtype : "float32";
  if (x.shape === undefined) return [x, { dtype: statDtype }, { dtype: statDtype }];
  const axis = normAxis(intAttr(node, "axis", -1), x.shape.length);
  const stat: Dim[] = x.shape.map((d, i) => (i < axis ? d : 1));
  return [x, { dtype: statDtype, shape: stat }, { dtype: statDtype, shape: stat }];
};

const flatten: Infer = (node, env) => {
  const x = input(node, env);
  if (x === undefined) return [];
  if (x.shape === undefined) return [{ dtype: x.dtype, shape: [null, null] }];
  const axis = normAxis(intAttr(node, "axis", 1), x.shape.length);
  const prod = (dims: readonly Dim[]): Dim =>
    dims.every((d) => typeof d === "number") ? dims.reduce<number>((p, d) => p * (d as number), 1) : null;
  return [{ dtype: x.dtype, shape: [prod(x.shape.slice(0, axis)), prod(x.shape.slice(axis))] }];
};

const argReduce: Infer = (node, env) => {
  const x = input(node, env);
  if (x?.shape === undefined) return [{ dtype: "int64" }];
  const axis = normAxis(intAttr(node, "axis", 0), x.shape.length);
  const keep = intAttr(node, "keepdims", 1) === 1;
  const shape = x.shape.flatMap((d, i) => (i === axis ? (keep ? [1] : []) : [d]));
  return [{ dtype: "int64", shape }];
};

const range: Infer = (node, env) => {
  const start = input(node, env);
  if (start === undefined) return [];
  const [from, to, step] = [0, 1, 2].map((i) => dimValues(node, env, i)?.[0]);
  let size: Dim = null;
  if (typeof from === "number" && typeof to === "number" && typeof step === "number" && step !== 0) {
    size = Math.max(Math.ceil((to - from) / step), 0);
  } else if (from === 0 && step === 1 && typeof to === "string") {
    size = to;
  }
  return [{ dtype: start.dtype, shape: [size] }];
};

const size: Infer = () => [{ dtype: "int64", shape: [] }];

const nonZero: Infer = (node, env) => {
  const x = input(node, env);
  return [{ dtype: "int64", shape: [x?.shape?.length ?? null, null] }];
};

const scatter: Infer = (node, env) => {
  const x = input(node, env);
  return x === undefined ? [] : [x];
};

const tile: Infer = (node, env) => {
  const x = input(node, env);
  if (x === undefined) return [];
  const reps = constInts(node, env, 1);
  if (x.shape === undefined) return [{ dtype: x.dtype }];
  if (reps === undefined) return [{ dtype: x.dtype, shape: x.shape.map(() => null) }];
  return [
    { dtype: x.dtype, shape: x.shape.map((d, i) => (typeof d === "number" ? d * (reps[i] ?? 1) : null)) },
  ];
};

const pad: Infer = (node, env) => {
  const x = input(node, env);
  if (x === undefined) return [];
  const pads = constInts(node, env, 1);
  if (x.shape === undefined) return [{ dtype: x.dtype }];
  if (pads === undefined || (node.inputs[3] ?? "") !== "")
    return [{ dtype: x.dtype, shape: x.shape.map(() => null) }];
  const r = x.shape.length;
  return [
    {
      dtype: x.dtype,
      shape: x.shape.map((d, i) => (typeof d === "number" ? d + (pads[i] ?? 0) + (pads[i + r] ?? 0) : null)),
    },
  ];
};

const dropout: Infer = (node, env) => {
  const x = input(node, env);
  return x === undefined ? [] : [x, withShape("bool", x.shape)];
};

/**
 * Dtype and shape inference of each op we emit or meet in exported decoders, one function per op type.
 * Ops not listed give unknown output types.
 *
 * @example
 * ```ts
 * const [y] = SHAPE_INFERENCE.MatMul(node, env);
 * ```
 */
export const SHAPE_INFERENCE = {
  Abs: sameAsInput,
  Add: broadcastSame,
  And: broadcastBool,
  ArgMax: argReduce,
  ArgMin: argReduce,
  Cast: cast,
  CastLike: castLike,
  Ceil: sameAsInput,
  Clip: sameAsInput,
  Concat: concat,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Cos: sameAsInput,
  CumSum: sameAsInput,
  Div: broadcastSame,
  Dropout: dropout,
  Equal: broadcastBool,
  Erf: sameAsInput,
  Exp: sameAsInput,
  Expand: expand,
  Flatten: flatten,
  Floor: sameAsInput,
  Gather: gather,
  GatherElements: gatherElements,
  Gelu: sameAsInput,
  Gemm: gemm,
  Greater: broadcastBool,
  GreaterOrEqual: broadcastBool,
  Identity: sameAsInput,
  IsInf: (n, e) => [withShape("bool", input(n, e)?.shape)],
  IsNaN: (n, e) => [withShape("bool", input(n, e)?.shape)],
  LayerNormalization: layerNorm,
  Less: broadcastBool,
  LessOrEqual: broadcastBool,
  Log: sameAsInput,
  LogSoftmax: sameAsInput,
  MatMul: matmul,
  Max: broadcastSame,
  Min: broadcastSame,
  Mod: broadcastSame,
  Mul: broadcastSame,
  Neg: sameAsInput,
  NonZero: nonZero,
  Not: sameAsInput,
  Or: broadcastBool,
  Pad: pad,
  Pow: (n, e) => {
    const [y] = broadcastSame(n, e);
    const base = input(n, e);
    return y === undefined || base === undefined ? [] : [withShape(base.dtype, y.shape)];
  },
  Range: range,
  Reciprocal: sameAsInput,
  ReduceL2: reduce,
  ReduceLogSumExp: reduce,
  ReduceMax: reduce,
  ReduceMean: reduce,
  ReduceMin: reduce,
  ReduceProd: reduce,
  ReduceSum: reduce,
  ReduceSumSquare: reduce,
  Relu: sameAsInput,
  Reshape: reshape,
  ScatterElements: scatter,
  ScatterND: scatter,
  Shape: shapeOp,
  Sigmoid: sameAsInput,
  Sign: sameAsInput,
  Sin: sameAsInput,
  Size: size,
  Slice: slice,
  Softmax: sameAsInput,
  Softplus: sameAsInput,
  Split: split,
  Sqrt: sameAsInput,
  Squeeze: squeeze,
  Sub: broadcastSame,
  Sum: broadcastSame,
  Tanh: sameAsInput,
  Tile: tile,
  Transpose: transpose,
  Trilu: sameAsInput,
  Unsqueeze: unsqueeze,
  Where: where,
  Xor: broadcastBool,
} as const satisfies Record<string, Infer>;

/**
 * Infers the output types of one node from its inputs' types; unknown ops (and non-default domains)
 * give `undefined` for every output.
 *
 * @example
 * ```ts
 * const outs = inferNodeTypes(node, { typeOf: (n) => types.get(n), constantOf: () => undefined });
 * ```
 */
export function inferNodeTypes(node: Node, env: InferenceEnv): (ValueType | undefined)[] {
  if (!isDefaultDomain(node.domain)) return node.outputs.map(() => undefined);
  const fn: Infer | undefined = (SHAPE_INFERENCE as Record<string, Infer>)[node.opType];
  if (fn === undefined) return node.outputs.map(() => undefined);
  const outs = fn(node, env);
  return node.outputs.map((_, i) => outs[i]);
}
