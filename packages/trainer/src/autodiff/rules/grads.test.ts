import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { FloatType } from "../../models/model-family.js";
import { GraphBuilder } from "../../onnx/builder.js";
import { makeTensor, sizeOf } from "../../onnx/tensor.js";
import type { Dim, Tensor } from "../../onnx/types.js";
import { gradCheck } from "../grad-check.js";
import type { GradientRule } from "../gradient-rule.js";
import { type DifferentiableOp, GRADIENTS } from "./index.js";

interface InputSpec {
  readonly shape: readonly number[];
  /** Declared as a graph input with these (symbolic) dims instead of an initializer. */
  readonly dims?: readonly Dim[];
  /** Values drawn from [lo, hi] (default [−1, 1]); `awayFromZero` keeps |x| ≥ 0.2. */
  readonly lo?: number;
  readonly hi?: number;
  readonly awayFromZero?: boolean;
}

interface GradCase {
  readonly name: string;
  /** Default float64; float32 where ORT's CPU kernel has no double version. */
  readonly dtype?: FloatType;
  readonly inputs: Readonly<Record<string, InputSpec>>;
  build(g: GraphBuilder, x: Readonly<Record<string, string>>, dtype: FloatType): string;
}

/** Tolerances: |analytic − numeric| ≤ ATOL + RTOL·max(|analytic|, |numeric|). */
const TOLERANCE = { float64: { rtol: 1e-5, atol: 1e-7 }, float32: { rtol: 2e-2, atol: 2e-3 } } as const;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function values(random: () => number, spec: InputSpec, dtype: FloatType): Tensor {
  const n = sizeOf(spec.shape);
  const lo = spec.lo ?? -1;
  const hi = spec.hi ?? 1;
  const data = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = lo + (hi - lo) * random();
    if (spec.awayFromZero === true) v = (random() < 0.5 ? -1 : 1) * (0.2 + 0.8 * Math.abs(v));
    data[i] = v;
  }
  return makeTensor(data, spec.shape);
}

const int64 = (g: GraphBuilder, v: number[], dims: number[] = [v.length]) =>
  g.constant(
    BigInt64Array.from(v, (x) => BigInt(x)),
    dims,
    "int64",
  );
const unary = (op: string, spec: Partial<InputSpec> = {}, dtype?: FloatType): GradCase => ({
  name: `${op} [2,3]`,
  ...(dtype === undefined ? {} : { dtype }),
  inputs: { x: { shape: [2, 3], ...spec } },
  build: (g, { x }) => g.op(op, [x]),
});
const binary = (op: string, a: InputSpec, b: InputSpec, label = ""): GradCase => ({
  name: `${op} [${a.dims ?? a.shape}] ∘ [${b.dims ?? b.shape}]${label}`,
  inputs: { a, b },
  build: (g, { a: x, b: y }) => g.op(op, [x, y]),
});
const positive: Partial<InputSpec> = { lo: 0.5, hi: 2 };

/**
 * Two random shapes that broadcast together (seeded): a random output shape of rank 2–4 with dims 2–3,
 * each operand keeping a random suffix of it with random dims set to 1.
 */
function randomBroadcastShapes(seed: number): [number[], number[]] {
  const random = rng(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const out = Array.from({ length: 2 + pick(3) }, () => 2 + pick(2));
  const operand = () => out.slice(pick(out.length)).map((d) => (random() < 0.3 ? 1 : d));
  return [operand(), operand()];
}

const randomBinary = (op: string, seed: number, spec: Partial<InputSpec> = {}): GradCase => {
  const [a, b] = randomBroadcastShapes(seed * 7919 + [...op].reduce((h, c) => h * 31 + c.charCodeAt(0), 0));
  return binary(op, { shape: a, ...spec }, { shape: b, ...spec }, " (random shapes)");
};

/** Finite-difference cases for every rule: the type makes a missing op a compile error. */
/** HF `gelu_new` as standard ops: (0.5·x) ⊙ (1 + tanh(√(2/π)·(x + 0.044715·x³))), optionally mirrored. */
function geluNewPattern(g: GraphBuilder, x: string, dtype: FloatType, swapped: boolean): string {
  const bin = (op: string, p: string, q: string) => g.op(op, swapped ? [q, p] : [p, q]);
  const cube = bin("Mul", g.op("Mul", [x, x]), x);
  const inner = bin("Add", x, bin("Mul", cube, g.scalar(0.044715, dtype)));
  const t = g.op("Tanh", [bin("Mul", inner, g.scalar(Math.sqrt(2 / Math.PI), dtype))]);
  return bin("Mul", bin("Mul", x, g.scalar(0.5, dtype)), bin("Add", t, g.scalar(1, dtype)));
}

const CASES: Record<DifferentiableOp, readonly GradCase[]> = {
  Abs: [unary("Abs", { awayFromZero: true })],
  Add: [
    randomBinary("Add", 11),
    randomBinary("Add", 12),
    binary("Add", { shape: [2, 3, 4] }, { shape: [4] }),
    binary("Add", { shape: [2, 3, 2, 4] }, { shape: [4] }, " (three leading axes summed in two steps)"),
    binary("Add", { shape: [5, 4] }, { shape: [2, 3, 5, 4] }),
    binary("Add", { shape: [2, 1, 4] }, { shape: [3, 1] }),
    binary(
      "Add",
      { shape: [2, 3], dims: ["p", "q"] },
      { shape: [1, 3], dims: ["r", "q"] },
      " (run-time axes)",
    ),
  ],
  Cast: [
    {
      name: "Cast float32 → float64 → float32",
      dtype: "float32",
      inputs: { x: { shape: [2, 3] } },
      build: (g, { x }) => {
        const wide = g.cast(x ?? "", "float64");
        return g.cast(g.op("Mul", [wide, wide]), "float32");
      },
    },
  ],
  Clip: [
    {
      name: "Clip to [−0.5, 0.5]",
      inputs: { x: { shape: [3, 4] } },
      build: (g, { x }, dtype) => g.op("Clip", [x, g.scalar(-0.5, dtype), g.scalar(0.5, dtype)]),
    },
  ],
  CumSum: [
    {
      name: "CumSum axis 1, exclusive",
      inputs: { x: { shape: [2, 4] } },
      build: (g, { x }) => g.op("CumSum", [x, g.constant(new BigInt64Array([1n]), [])], { exclusive: 1 }),
    },
    {
      name: "CumSum axis 0, reverse",
      inputs: { x: { shape: [3, 2] } },
      build: (g, { x }) => g.op("CumSum", [x, g.constant(new BigInt64Array([0n]), [])], { reverse: 1 }),
    },
  ],
  Dropout: [unary("Dropout")],
  Max: [
    randomBinary("Max", 11),
    randomBinary("Max", 12),
    binary("Max", { shape: [2, 3] }, { shape: [3] }),
    binary("Max", { shape: [2, 1] }, { shape: [1, 3] }),
  ],
  Min: [randomBinary("Min", 11), randomBinary("Min", 12), binary("Min", { shape: [2, 3] }, { shape: [3] })],
  Pad: [
    {
      name: "Pad [1, 0, 2, 3] constant",
      inputs: { x: { shape: [2, 3] } },
      build: (g, { x }) => g.op("Pad", [x, int64(g, [1, 0, 2, 3])]),
    },
    {
      name: "Pad with axes [−1]",
      inputs: { x: { shape: [2, 3] } },
      build: (g, { x }, dtype) => g.op("Pad", [x, int64(g, [2, 1]), g.scalar(0.5, dtype), int64(g, [-1])]),
    },
  ],
  ReduceLogSumExp: [
    {
      name: "ReduceLogSumExp axes [−1] keepdims 0",
      inputs: { x: { shape: [2, 3, 4] } },
      build: (g, { x }) => g.op("ReduceLogSumExp", [x, int64(g, [-1])], { keepdims: 0 }),
    },
    {
      name: "ReduceLogSumExp axes [0] keepdims 1",
      inputs: { x: { shape: [3, 2] } },
      build: (g, { x }) => g.op("ReduceLogSumExp", [x, int64(g, [0])], { keepdims: 1 }),
    },
  ],
  ReduceMax: [
    {
      name: "ReduceMax axes [1] keepdims 0",
      inputs: { x: { shape: [2, 4] } },
      build: (g, { x }) => g.op("ReduceMax", [x, int64(g, [1])], { keepdims: 0 }),
    },
  ],
  ReduceSumSquare: [
    {
      name: "ReduceSumSquare axes [0] keepdims 1",
      inputs: { x: { shape: [3, 2] } },
      build: (g, { x }) => g.op("ReduceSumSquare", [x, int64(g, [0])], { keepdims: 1 }),
    },
  ],
  Softplus: [unary("Softplus")],
  Concat: [
    {
      name: "Concat axis 1",
      inputs: { a: { shape: [2, 1, 3] }, b: { shape: [2, 2, 3] } },
      build: (g, { a, b }) => g.op("Concat", [a, b, a], { axis: 1 }),
    },
    {
      name: "Concat axis −1, symbolic dims",
      inputs: { a: { shape: [2, 2], dims: ["n", "k"] }, b: { shape: [2, 3], dims: ["n", "m"] } },
      build: (g, { a, b }) => g.op("Concat", [a, b], { axis: -1 }),
    },
  ],
  Cos: [unary("Cos")],
  Div: [
    randomBinary("Div", 11, positive),
    randomBinary("Div", 12, positive),
    binary("Div", { shape: [2, 3] }, { shape: [3], lo: 0.5, hi: 2 }),
    binary("Div", { shape: [3, 1], lo: 0.5, hi: 2 }, { shape: [2, 1, 4], lo: 0.5, hi: 2 }),
  ],
  Erf: [unary("Erf", {}, "float32")],
  Exp: [unary("Exp")],
  Expand: [
    {
      name: "Expand [3,1] → [2,3,4]",
      inputs: { x: { shape: [3, 1] } },
      build: (g, { x }) => g.op("Expand", [x, int64(g, [2, 3, 4])]),
    },
  ],
  Flatten: [
    {
      name: "Flatten axis 2",
      inputs: { x: { shape: [2, 3, 2, 2] } },
      build: (g, { x }) => g.op("Flatten", [x], { axis: 2 }),
    },
  ],
  Gather: [
    {
      name: "Gather axis 0, repeated and negative ids",
      inputs: { x: { shape: [5, 3] } },
      build: (g, { x }) => g.op("Gather", [x, int64(g, [0, 4, 4, -1, 2, 0], [2, 3])]),
    },
    {
      name: "Gather axis 0 of a rank-3 table (scatter form), repeated and negative ids",
      inputs: { x: { shape: [4, 2, 3] } },
      build: (g, { x }) => g.op("Gather", [x, int64(g, [1, -1, 1, 0, 3], [5])]),
    },
    {
      name: "Gather axis 1, scalar-free 1-D ids",
      inputs: { x: { shape: [2, 4, 3] } },
      build: (g, { x }) => g.op("Gather", [x, int64(g, [2, 0, 2])], { axis: 1 }),
    },
    {
      name: "Gather axis −1, 2-D ids",
      inputs: { x: { shape: [2, 4] } },
      build: (g, { x }) => g.op("Gather", [x, int64(g, [3, 1, 1, 0], [2, 2])], { axis: -1 }),
    },
    {
      name: "Gather axis 1, scalar id",
      inputs: { x: { shape: [2, 4, 3] } },
      build: (g, { x }) => g.op("Gather", [x, int64(g, [-2], [])], { axis: 1 }),
    },
  ],
  GatherElements: [
    {
      name: "GatherElements axis 1 with repeats",
      inputs: { x: { shape: [3, 4] } },
      build: (g, { x }) => g.op("GatherElements", [x, int64(g, [0, 3, 1, 1, -1, 2], [3, 2])], { axis: 1 }),
    },
  ],
  Gemm: [
    {
      name: "Gemm plain with bias row",
      inputs: { a: { shape: [3, 4] }, b: { shape: [4, 2] }, c: { shape: [2] } },
      build: (g, { a, b, c }) => g.op("Gemm", [a, b, c]),
    },
    {
      name: "Gemm transA, alpha 0.5, beta 2, C [3,1]",
      inputs: { a: { shape: [4, 3] }, b: { shape: [4, 2] }, c: { shape: [3, 1] } },
      build: (g, { a, b, c }) => g.op("Gemm", [a, b, c], { transA: 1, alpha: 0.5, beta: 2 }),
    },
    {
      name: "Gemm transB",
      inputs: { a: { shape: [3, 4] }, b: { shape: [2, 4] } },
      build: (g, { a, b }) => g.op("Gemm", [a, b], { transB: 1 }),
    },
    {
      name: "Gemm alpha 0.5, K < N (the weight gradient copies A transposed)",
      inputs: { a: { shape: [3, 2] }, b: { shape: [2, 5] } },
      build: (g, { a, b }) => g.op("Gemm", [a, b], { alpha: 0.5 }),
    },
    {
      name: "Gemm transB, K < N",
      inputs: { a: { shape: [3, 2] }, b: { shape: [5, 2] } },
      build: (g, { a, b }) => g.op("Gemm", [a, b], { transB: 1 }),
    },
    {
      name: "Gemm transA transB",
      inputs: { a: { shape: [4, 3] }, b: { shape: [2, 4] } },
      build: (g, { a, b }) => g.op("Gemm", [a, b], { transA: 1, transB: 1 }),
    },
  ],
  Identity: [unary("Identity")],
  LayerNormalization: [
    {
      name: "LayerNormalization axis −1",
      inputs: { x: { shape: [2, 3, 4] }, scale: { shape: [4] }, bias: { shape: [4] } },
      build: (g, { x, scale, bias }) =>
        g.op("LayerNormalization", [x, scale, bias], { axis: -1, epsilon: 1e-5 }),
    },
    {
      name: "LayerNormalization axis 1, no bias",
      inputs: { x: { shape: [2, 3, 2] }, scale: { shape: [3, 2] } },
      build: (g, { x, scale }) => g.op("LayerNormalization", [x, scale], { axis: 1 }),
    },
  ],
  Log: [unary("Log", positive)],
  LogSoftmax: [
    {
      name: "LogSoftmax axis −1",
      inputs: { x: { shape: [2, 3, 4] } },
      build: (g, { x }) => g.op("LogSoftmax", [x], { axis: -1 }),
    },
    {
      name: "LogSoftmax axis 1",
      inputs: { x: { shape: [2, 3, 2] } },
      build: (g, { x }) => g.op("LogSoftmax", [x], { axis: 1 }),
    },
  ],
  MatMul: [
    binary("MatMul", { shape: [2, 3, 4] }, { shape: [4, 2] }, " (linear layer)"),
    {
      name: "MatMul(q, Transpose(k)) (attention scores: dq reads k itself)",
      inputs: { q: { shape: [2, 3, 4] }, k: { shape: [2, 5, 4] } },
      build: (g, { q, k }) => g.op("MatMul", [q ?? "", g.op("Transpose", [k ?? ""], { perm: [0, 2, 1] })]),
    },
    binary("MatMul", { shape: [3, 4] }, { shape: [2, 4, 2] }),
    binary("MatMul", { shape: [2, 1, 3, 4] }, { shape: [3, 4, 2] }),
    binary("MatMul", { shape: [2, 5, 5] }, { shape: [2, 5, 3] }, " (square a, narrower dy: db = (dyᵀ·a)ᵀ)"),
    binary("MatMul", { shape: [2, 3, 5, 5] }, { shape: [1, 3, 5, 2] }, " (square a, b broadcast)"),
    binary(
      "MatMul",
      { shape: [2, 4, 4], dims: [2, "t", "t"] },
      { shape: [2, 4, 3], dims: [2, "t", 3] },
      " (square a of symbolic size)",
    ),
    binary("MatMul", { shape: [4] }, { shape: [4, 3] }),
    binary("MatMul", { shape: [2, 3, 4] }, { shape: [4] }),
    binary("MatMul", { shape: [4] }, { shape: [4] }),
    binary("MatMul", { shape: [2, 3, 4], dims: ["b", "s", 4] }, { shape: [4, 2] }, " (symbolic batch)"),
    ...[
      { k: 4, n: 5, transposed: false },
      { k: 5, n: 3, transposed: false },
      { k: 4, n: 5, transposed: true },
      { k: 5, n: 3, transposed: true },
    ].map(({ k, n, transposed }) => ({
      name: `MatMul by a weight expanded per sequence, K ${k} N ${n}${transposed ? ", the weight a Transpose of W [N, K]" : ""}`,
      inputs: { a: { shape: [2, 3, k] }, w: { shape: transposed ? [n, k] : [k, n] } },
      build: (g: GraphBuilder, { a, w }: Record<string, string>) => {
        const u = transposed ? g.op("Transpose", [w ?? ""], { perm: [1, 0] }) : (w ?? "");
        return g.op("MatMul", [
          a ?? "",
          g.op("Expand", [g.op("Unsqueeze", [u, g.int64s([0])]), g.int64s([2, k, n])]),
        ]);
      },
    })),
    {
      name: "MatMul by an expanded [K, 1] matrix (plain form: Expand may broadcast N)",
      inputs: { a: { shape: [2, 3, 4] }, u: { shape: [4, 1] } },
      build: (g, { a, u }) =>
        g.op("MatMul", [
          a ?? "",
          g.op("Expand", [g.op("Unsqueeze", [u ?? "", g.int64s([0])]), g.int64s([2, 4, 5])]),
        ]),
    },
  ],
  Mul: [
    randomBinary("Mul", 11),
    randomBinary("Mul", 12),
    binary("Mul", { shape: [2, 3, 4] }, { shape: [3, 1] }),
    {
      name: "Mul x ⊙ x (one Sum for a twice-used value)",
      inputs: { x: { shape: [2, 3] } },
      build: (g, { x }) => g.op("Mul", [x, x]),
    },
    {
      name: "SiLU x ⊙ σ(x) (fused form)",
      // float32: onnxruntime fuses x·σ(x) into QuickGelu, which has no double kernel
      dtype: "float32",
      inputs: { x: { shape: [2, 3, 4], lo: -4, hi: 4 } },
      build: (g, { x }) => g.op("Mul", [x, g.op("Sigmoid", [x])]),
    },
    {
      name: "SiLU σ(x) ⊙ x (fused form, operands swapped)",
      // float32: onnxruntime fuses x·σ(x) into QuickGelu, which has no double kernel
      dtype: "float32",
      inputs: { x: { shape: [3, 4], lo: -4, hi: 4 } },
      build: (g, { x }) => g.op("Mul", [g.op("Sigmoid", [x]), x]),
    },
    {
      name: "x ⊙ σ(x) with σ(x) also read elsewhere (plain form)",
      inputs: { x: { shape: [3, 4], lo: -4, hi: 4 } },
      build: (g, { x }) => {
        const s = g.op("Sigmoid", [x]);
        return g.op("Add", [g.op("Mul", [x, s]), s]);
      },
    },
    ...[false, true].map(
      (swapped): GradCase => ({
        name: `GELU tanh approximation (gelu_new, fused form${swapped ? ", every operand order swapped" : ""})`,
        inputs: { x: { shape: [2, 3, 4], lo: -4, hi: 4 } },
        build: (g, { x }, dtype) => geluNewPattern(g, x ?? "", dtype, swapped),
      }),
    ),
    {
      name: "GELU tanh approximation with x² also read elsewhere (plain form)",
      inputs: { x: { shape: [3, 4], lo: -4, hi: 4 } },
      build: (g, { x }, dtype) => {
        const y = geluNewPattern(g, x ?? "", dtype, false);
        const square = g.graph.nodes.find(
          (n) => n.opType === "Mul" && n.inputs[0] === x && n.inputs[1] === x,
        );
        return g.op("Add", [y, square?.outputs[0] ?? ""]);
      },
    },
    ...(["Mul", "Pow"] as const).map(
      (square): GradCase => ({
        name: `RMSNorm x ⊙ (mean(x²) + ε)^−½ with ${square} (fused form)`,
        inputs: { x: { shape: [2, 3, 5] }, w: { shape: [5] } },
        build: (g, { x, w }, dtype) => {
          const sq = square === "Mul" ? g.op("Mul", [x, x]) : g.op("Pow", [x, g.scalar(2, dtype)]);
          const ms = g.op("ReduceMean", [sq, g.int64s([-1])], { keepdims: 1 });
          const r = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [ms, g.scalar(1e-5, dtype)])])]);
          return g.op("Mul", [g.op("Mul", [r, x]), w ?? ""]);
        },
      }),
    ),
    {
      name: "RMSNorm with an ε of higher rank (plain form)",
      inputs: { x: { shape: [3, 4] } },
      build: (g, { x }, dtype) => {
        const ms = g.op("ReduceMean", [g.op("Mul", [x, x]), g.int64s([-1])], { keepdims: 1 });
        const eps = g.constant(
          dtype === "float64" ? new Float64Array([1e-5]) : new Float32Array([1e-5]),
          [1, 1, 1],
        );
        const r = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [ms, eps])])]);
        return g.op("Mul", [x, r]);
      },
    },
    {
      name: "RMSNorm over a non-last axis (plain form)",
      inputs: { x: { shape: [3, 4] } },
      build: (g, { x }, dtype) => {
        const ms = g.op("ReduceMean", [g.op("Mul", [x, x]), g.int64s([0])], { keepdims: 1 });
        const r = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [ms, g.scalar(1e-5, dtype)])])]);
        return g.op("Mul", [x, r]);
      },
    },
  ],
  Neg: [unary("Neg")],
  Pow: [
    randomBinary("Pow", 11, positive),
    randomBinary("Pow", 12, positive),
    {
      name: "Pow x² (constant exponent)",
      inputs: { x: { shape: [2, 3] } },
      build: (g, { x }, dtype) => g.op("Pow", [x, g.scalar(2, dtype)]),
    },
    {
      name: "Pow x^1.5 and integer exponent 3",
      inputs: { x: { shape: [2, 3], lo: 0.5, hi: 2 } },
      build: (g, { x }, dtype) =>
        g.op("Add", [g.op("Pow", [x, g.scalar(1.5, dtype)]), g.op("Pow", [x, g.scalar(3, "int64")])]),
    },
    binary("Pow", { shape: [2, 3], lo: 0.5, hi: 2 }, { shape: [3] }, " (both differentiated)"),
  ],
  Reciprocal: [unary("Reciprocal", { lo: 0.5, hi: 2 })],
  ReduceMean: [
    {
      name: "ReduceMean axes [1] keepdims 0",
      inputs: { x: { shape: [2, 3, 4] } },
      build: (g, { x }) => g.op("ReduceMean", [x, int64(g, [1])], { keepdims: 0 }),
    },
    {
      name: "ReduceMean axes [−1] keepdims 1, symbolic",
      inputs: { x: { shape: [2, 3], dims: ["b", "n"] } },
      build: (g, { x }) => g.op("ReduceMean", [x, int64(g, [-1])], { keepdims: 1 }),
    },
    {
      name: "ReduceMean all axes",
      inputs: { x: { shape: [2, 3] } },
      build: (g, { x }) => g.op("ReduceMean", [x], { keepdims: 0 }),
    },
  ],
  ReduceSum: [
    {
      name: "ReduceSum axes [0, 2] keepdims 0",
      inputs: { x: { shape: [2, 3, 4] } },
      build: (g, { x }) => g.op("ReduceSum", [x, int64(g, [0, 2])], { keepdims: 0 }),
    },
    {
      name: "ReduceSum axes [1] keepdims 1",
      inputs: { x: { shape: [2, 3] } },
      build: (g, { x }) => g.op("ReduceSum", [x, int64(g, [1])], { keepdims: 1 }),
    },
    {
      name: "ReduceSum all axes",
      inputs: { x: { shape: [2, 3] } },
      build: (g, { x }) => g.op("ReduceSum", [x], { keepdims: 0 }),
    },
  ],
  Relu: [unary("Relu", { awayFromZero: true })],
  Reshape: [
    {
      name: "Reshape [2,3,4] → [6,−1]",
      inputs: { x: { shape: [2, 3, 4] } },
      build: (g, { x }) => g.op("Reshape", [x, int64(g, [6, -1])]),
    },
  ],
  Sigmoid: [unary("Sigmoid")],
  Sin: [unary("Sin")],
  Slice: [
    {
      name: "Slice last half (Pad form)",
      inputs: { x: { shape: [2, 6] } },
      build: (g, { x }) => g.op("Slice", [x, int64(g, [3]), int64(g, [2 ** 53]), int64(g, [-1])]),
    },
    {
      name: "Slice without axes: leading axis only",
      inputs: { x: { shape: [4, 3] } },
      build: (g, { x }) => g.op("Slice", [x, int64(g, [1]), int64(g, [3])]),
    },
    {
      name: "Slice two axes, negative start",
      inputs: { x: { shape: [3, 4, 2] } },
      build: (g, { x }) => g.op("Slice", [x, int64(g, [-2, 1]), int64(g, [4, 3]), int64(g, [1, 0])]),
    },
    {
      name: "Slice reversed, step −2 (scatter form)",
      inputs: { x: { shape: [2, 5] } },
      build: (g, { x }) => g.op("Slice", [x, int64(g, [-1]), int64(g, [-10]), int64(g, [1]), int64(g, [-2])]),
    },
    {
      name: "Slice symbolic dims (run-time pads)",
      inputs: { x: { shape: [2, 5, 3], dims: ["b", "t", 3] } },
      build: (g, { x }) => g.op("Slice", [x, int64(g, [1, -9]), int64(g, [-1, 2 ** 53]), int64(g, [1, 2])]),
    },
    {
      name: "Slice symbolic dims, step 2 (scatter form)",
      inputs: { x: { shape: [2, 5], dims: ["b", "t"] } },
      build: (g, { x }) => g.op("Slice", [x, int64(g, [0]), int64(g, [-1]), int64(g, [1]), int64(g, [2])]),
    },
  ],
  Softmax: [
    {
      name: "Softmax axis −1",
      inputs: { x: { shape: [2, 3, 4] } },
      build: (g, { x }) => g.op("Softmax", [x], { axis: -1 }),
    },
    {
      name: "Softmax axis 0",
      inputs: { x: { shape: [3, 2] } },
      build: (g, { x }) => g.op("Softmax", [x], { axis: 0 }),
    },
    {
      name: "Softmax → MatMul (row sums from the product, attention form)",
      inputs: { x: { shape: [2, 3, 4] }, v: { shape: [2, 4, 5] } },
      build: (g, { x, v }) => g.op("MatMul", [g.op("Softmax", [x], { axis: -1 }), v ?? ""]),
    },
    {
      name: "Softmax → MatMul over [B, H] heads (attention form)",
      inputs: { x: { shape: [2, 2, 3, 4] }, v: { shape: [2, 2, 4, 3] } },
      build: (g, { x, v }) => g.op("MatMul", [g.op("Softmax", [x], { axis: 3 }), v ?? ""]),
    },
    {
      name: "Softmax → MatMul with a 2-D v broadcast over the batch (attention form)",
      inputs: { x: { shape: [2, 3, 4] }, v: { shape: [4, 5] } },
      build: (g, { x, v }) => g.op("MatMul", [g.op("Softmax", [x], { axis: -1 }), v ?? ""]),
    },
    {
      name: "Softmax over a middle axis → MatMul (plain form)",
      inputs: { x: { shape: [2, 4, 4] }, v: { shape: [2, 4, 3] } },
      build: (g, { x, v }) => g.op("MatMul", [g.op("Softmax", [x], { axis: 1 }), v ?? ""]),
    },
    {
      name: "Softmax → MatMul broadcast over v's batch (plain form)",
      inputs: { x: { shape: [1, 3, 4] }, v: { shape: [2, 4, 5] } },
      build: (g, { x, v }) => g.op("MatMul", [g.op("Softmax", [x], { axis: -1 }), v ?? ""]),
    },
    {
      name: "Softmax → MatMul with the probabilities also read elsewhere (plain form)",
      inputs: { x: { shape: [3, 4] }, v: { shape: [4, 2] } },
      build: (g, { x, v }) => {
        const p = g.op("Softmax", [x], { axis: -1 });
        return g.op("Add", [
          g.op("MatMul", [p, v ?? ""]),
          g.op("ReduceSum", [p, g.int64s([-1])], { keepdims: 1 }),
        ]);
      },
    },
  ],
  Split: [
    {
      name: "Split [2,4] axis 1, one output unused",
      inputs: { x: { shape: [2, 6] } },
      build: (g, { x }) => g.opN("Split", [x, int64(g, [2, 4])], 2, { axis: 1 })[1] ?? "",
    },
    {
      name: "Split in 2 (num_outputs), both used",
      inputs: { x: { shape: [4, 3] } },
      build: (g, { x }) => {
        const [a, b] = g.opN("Split", [x], 2, { axis: 0, num_outputs: 2 });
        return g.op("Mul", [a, b]);
      },
    },
  ],
  Sqrt: [unary("Sqrt", positive)],
  Squeeze: [
    {
      name: "Squeeze axes [1]",
      inputs: { x: { shape: [2, 1, 3] } },
      build: (g, { x }) => g.op("Squeeze", [x, int64(g, [1])]),
    },
  ],
  Sub: [
    randomBinary("Sub", 11),
    randomBinary("Sub", 12),
    binary("Sub", { shape: [4] }, { shape: [2, 3, 4] }),
    binary("Sub", { shape: [2, 3], dims: ["b", 3] }, { shape: [2, 1], dims: ["b", 1] }, " (symbolic batch)"),
  ],
  Sum: [
    {
      name: "Sum of three with broadcasting",
      inputs: { a: { shape: [2, 3] }, b: { shape: [3] }, c: { shape: [2, 1] } },
      build: (g, { a, b, c }) => g.op("Sum", [a, b, c]),
    },
  ],
  Tanh: [unary("Tanh")],
  Transpose: [
    {
      name: "Transpose perm [2,0,1]",
      inputs: { x: { shape: [2, 3, 4] } },
      build: (g, { x }) => g.op("Transpose", [x], { perm: [2, 0, 1] }),
    },
    {
      name: "Transpose default (reverse)",
      inputs: { x: { shape: [2, 3, 2] } },
      build: (g, { x }) => g.op("Transpose", [x]),
    },
  ],
  Unsqueeze: [
    {
      name: "Unsqueeze axes [0, −1]",
      inputs: { x: { shape: [2, 3] } },
      build: (g, { x }) => g.op("Unsqueeze", [x, int64(g, [0, -1])]),
    },
  ],
  Where: [
    {
      name: "Where with broadcast condition and branches",
      inputs: { a: { shape: [3, 4] }, b: { shape: [4] } },
      build: (g, { a, b }) => g.op("Where", [g.constant(new Uint8Array([1, 0, 1]), [3, 1], "bool"), a, b]),
    },
  ],
};

/** Builds the case's forward graph with loss = Σ y ⊙ R (a fixed random projection of every output). */
function forward(c: GradCase, seed: number) {
  const dtype: FloatType = c.dtype ?? "float64";
  const random = rng(seed);
  const g = new GraphBuilder({ name: c.name });
  const names: Record<string, string> = {};
  const feeds: Record<string, Tensor> = {};
  for (const [name, spec] of Object.entries(c.inputs)) {
    const t = values(random, spec, dtype);
    if (spec.dims === undefined) names[name] = g.initializer(name, t);
    else {
      names[name] = g.input(name, dtype, spec.dims);
      feeds[name] = t;
    }
  }
  const y = c.build(g, names, dtype);
  const shape = g.typeOf(y)?.shape;
  let loss: string;
  if (shape?.every((d) => typeof d === "number")) {
    const r = values(random, { shape: shape as number[] }, dtype);
    loss = g.op("ReduceSum", [g.op("Mul", [y, g.constant(r.data, r.dims)])], { keepdims: 0 });
  } else {
    loss = g.op("ReduceSum", [g.op("Mul", [y, g.op("Sin", [y])])], { keepdims: 0 });
  }
  g.output(loss);
  return { model: g.toModel(), loss, wrt: Object.keys(c.inputs), feeds, dtype };
}

describe("gradient rules agree with central finite differences (onnxruntime-node)", () => {
  const all = Object.entries(CASES).flatMap(([op, cases]) =>
    cases.map((c, i) => ({ op, c, seed: 1000 + i })),
  );
  it.each(all)("$op: $c.name", async ({ c, seed }) => {
    const { model, loss, wrt, feeds, dtype } = forward(c, seed);
    const entries = await gradCheck({ model, loss, wrt, feeds });
    const { rtol, atol } = TOLERANCE[dtype];
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      const bound = atol + rtol * Math.max(Math.abs(e.analytic), Math.abs(e.numeric));
      expect(
        Math.abs(e.analytic - e.numeric),
        `${e.wrt}[${e.index}]: ${e.analytic} vs ${e.numeric}`,
      ).toBeLessThanOrEqual(bound);
    }
  });
});

describe("gradient registry", () => {
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith("-grad.ts"));

  it("registers every *-grad.ts file under its op type", async () => {
    expect(files.length).toBeGreaterThan(30);
    const registered = new Set<GradientRule>(Object.values(GRADIENTS));
    for (const file of files) {
      const mod = (await import(join(dir, file))) as Record<string, unknown>;
      const rules = Object.entries(mod).filter(
        (e): e is [string, GradientRule] => typeof e[1] === "object" && e[1] !== null && "opType" in e[1],
      );
      expect(rules, `${file} must export one GradientRule`).toHaveLength(1);
      const [exportName, rule] = rules[0] ?? ["", undefined];
      expect(
        registered.has(rule as GradientRule) &&
          (GRADIENTS as Record<string, GradientRule>)[rule?.opType ?? ""] === rule,
        `add \`${rule?.opType}: ${exportName},\` to GRADIENTS in src/autodiff/rules/index.ts`,
      ).toBe(true);
    }
  });

  it("has a finite-difference case for every registered op", () => {
    for (const op of Object.keys(GRADIENTS)) {
      expect(
        CASES[op as DifferentiableOp]?.length ?? 0,
        `add a case for ${op} to CASES in grads.test.ts`,
      ).toBeGreaterThan(0);
    }
  });
});
