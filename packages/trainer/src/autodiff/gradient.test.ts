import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { GradientError, MissingGradientRuleError } from "../errors.js";
import { GraphBuilder } from "../onnx/builder.js";
import { encodeModel } from "../onnx/protobuf.js";
import { makeTensor } from "../onnx/tensor.js";
import { gradCheck } from "./grad-check.js";
import { addGradients, buildGradientModel } from "./gradient.js";

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

function weights(g: GraphBuilder, r: () => number, name: string, dims: number[], scale = 0.5): string {
  const n = dims.reduce((a, b) => a * b, 1);
  return g.initializer(
    name,
    makeTensor(
      Float64Array.from({ length: n }, () => scale * r()),
      dims,
    ),
  );
}

/**
 * A Llama-style decoder layer in plain float64 ONNX: embedding Gather, RMSNorm from standard ops,
 * rotary embedding with Slice/Neg/Concat, grouped-query attention with Expand, causal Where mask,
 * Softmax, SwiGLU, LM head, LogSoftmax + GatherElements token log-probs masked by a completion mask.
 */
function tinyDecoder() {
  const r = random(7);
  const [vocab, hidden, heads, kvHeads, headDim, ffn, seq] = [11, 8, 2, 1, 4, 12, 5];
  const g = new GraphBuilder({ name: "tiny-decoder" });
  const ids = g.input("ids", "int64", [1, seq]);
  const targets = g.input("targets", "int64", [1, seq]);
  const mask = g.input("completion_mask", "float64", [1, seq]);
  const embed = weights(g, r, "embed", [vocab, hidden], 1);
  const rms = (x: string, w: string) => {
    const ms = g.op("ReduceMean", [g.op("Pow", [x, g.scalar(2, "float64")]), g.int64s([-1])], {
      keepdims: 1,
    });
    const inv = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [ms, g.scalar(1e-6, "float64")])])]);
    return g.op("Mul", [g.op("Mul", [x, inv]), w]);
  };
  const norm1 = g.initializer(
    "norm1",
    makeTensor(
      Float64Array.from({ length: hidden }, () => 1 + 0.2 * r()),
      [hidden],
    ),
  );
  const norm2 = g.initializer(
    "norm2",
    makeTensor(
      Float64Array.from({ length: hidden }, () => 1 + 0.2 * r()),
      [hidden],
    ),
  );
  const wq = weights(g, r, "wq", [hidden, heads * headDim]);
  const wk = weights(g, r, "wk", [hidden, kvHeads * headDim]);
  const wv = weights(g, r, "wv", [hidden, kvHeads * headDim]);
  const wo = weights(g, r, "wo", [heads * headDim, hidden]);
  const wGate = weights(g, r, "w_gate", [hidden, ffn]);
  const wUp = weights(g, r, "w_up", [hidden, ffn]);
  const wDown = weights(g, r, "w_down", [ffn, hidden]);
  const lmHead = weights(g, r, "lm_head", [hidden, vocab]);

  const x = g.op("Gather", [embed, ids]);
  const h = rms(x, norm1);
  const split = (v: string, n: number) =>
    g.op("Transpose", [g.op("Reshape", [v, g.int64s([1, seq, n, headDim])])], { perm: [0, 2, 1, 3] });
  const angles = Float64Array.from(
    { length: seq * headDim },
    (_, i) => Math.floor(i / headDim) * 0.3 * ((i % 2) + 1),
  );
  const cos = g.constant(angles.map(Math.cos), [seq, headDim]);
  const sin = g.constant(angles.map(Math.sin), [seq, headDim]);
  const rope = (v: string) => {
    const half = headDim / 2;
    const lo = g.op("Slice", [v, g.int64s([0]), g.int64s([half]), g.int64s([-1])]);
    const hi = g.op("Slice", [v, g.int64s([half]), g.int64s([headDim]), g.int64s([-1])]);
    const rotated = g.op("Concat", [g.op("Neg", [hi]), lo], { axis: -1 });
    return g.op("Add", [g.op("Mul", [v, cos]), g.op("Mul", [rotated, sin])]);
  };
  const q = rope(split(g.op("MatMul", [h, wq]), heads));
  const repeat = (v: string) =>
    g.op("Reshape", [
      g.op("Expand", [
        g.op("Unsqueeze", [v, g.int64s([2])]),
        g.int64s([1, kvHeads, heads / kvHeads, seq, headDim]),
      ]),
      g.int64s([1, heads, seq, headDim]),
    ]);
  const k = repeat(rope(split(g.op("MatMul", [h, wk]), kvHeads)));
  const v = repeat(split(g.op("MatMul", [h, wv]), kvHeads));
  const scores = g.op("Div", [
    g.op("MatMul", [q, g.op("Transpose", [k], { perm: [0, 1, 3, 2] })]),
    g.scalar(Math.sqrt(headDim), "float64"),
  ]);
  const causal = g.constant(
    Uint8Array.from({ length: seq * seq }, (_, i) => (i % seq <= Math.floor(i / seq) ? 1 : 0)),
    [seq, seq],
    "bool",
  );
  const probs = g.op("Softmax", [g.op("Where", [causal, scores, g.scalar(-1e9, "float64")])], { axis: -1 });
  const attn = g.op("Reshape", [
    g.op("Transpose", [g.op("MatMul", [probs, v])], { perm: [0, 2, 1, 3] }),
    g.int64s([1, seq, heads * headDim]),
  ]);
  const x2 = g.op("Add", [x, g.op("MatMul", [attn, wo])]);
  const h2 = rms(x2, norm2);
  const gate = g.op("MatMul", [h2, wGate]);
  const act = g.op("Mul", [gate, g.op("Sigmoid", [gate])]);
  const x3 = g.op("Add", [x2, g.op("MatMul", [g.op("Mul", [act, g.op("MatMul", [h2, wUp])]), wDown])]);
  const logp = g.op("LogSoftmax", [g.op("MatMul", [x3, lmHead])], { axis: -1 });
  const picked = g.op("Squeeze", [
    g.op("GatherElements", [logp, g.op("Unsqueeze", [targets, g.int64s([-1])])], { axis: -1 }),
    g.int64s([-1]),
  ]);
  const loss = g.op("ReduceSum", [g.op("Mul", [picked, mask])], { keepdims: 0 });
  g.output(loss);
  const feeds = {
    ids: makeTensor(new BigInt64Array([1n, 5n, 5n, 9n, 2n]), [1, seq]),
    targets: makeTensor(new BigInt64Array([5n, 5n, 9n, 2n, 0n]), [1, seq]),
    completion_mask: makeTensor(new Float64Array([0, 1, 1, 1, 0]), [1, seq]),
  };
  const wrt = ["embed", "norm1", "norm2", "wq", "wk", "wv", "wo", "w_gate", "w_up", "w_down", "lm_head"];
  return { model: g.toModel(), loss, feeds, wrt };
}

describe("addGradients", () => {
  it("differentiates a Llama-style decoder layer (RMSNorm, RoPE, GQA, mask, SwiGLU, log-probs)", async () => {
    const { model, loss, feeds, wrt } = tinyDecoder();
    // "basic": ORT's extended fusions turn x·σ(x) into QuickGelu, which has no float64 kernel.
    const sessionOptions = { graphOptimizationLevel: "basic" } as const;
    const entries = await gradCheck({ model, loss, wrt, feeds, maxCoordinates: 5, sessionOptions });
    expect(entries).toHaveLength(wrt.length * 5);
    for (const e of entries) {
      expect(Math.abs(e.analytic - e.numeric), `${e.wrt}[${e.index}]`).toBeLessThan(
        1e-6 + 1e-5 * Math.abs(e.numeric),
      );
    }
    expect(entries.some((e) => Math.abs(e.analytic) > 1e-3)).toBe(true);
  });

  it("names the op and the node when a rule is missing", () => {
    const g = new GraphBuilder();
    const x = g.initializer("x", makeTensor(new Float32Array([1.5, 2.5]), [2]));
    const floored = g.op("Floor", [x], {}, { name: "round_down" });
    const loss = g.op("ReduceSum", [floored], { keepdims: 0 });
    const error = (() => {
      try {
        addGradients(g, { loss, wrt: [x] });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MissingGradientRuleError);
    expect(error).toMatchObject({ code: "MISSING_GRADIENT_RULE", opType: "Floor", node: "round_down" });
    expect(String(error)).toMatch(/Floor.*round_down.*rules\/index\.ts/);
  });

  it("stops gradients at integer casts and masks, ignores rule-less ops off the path, zero-fills unused wrt", async () => {
    const g = new GraphBuilder();
    const x = g.initializer("x", makeTensor(new Float64Array([1.25, -2.5, 3.75]), [3]));
    const unused = g.initializer("unused", makeTensor(new Float64Array([1, 2]), [2]));
    const truncated = g.cast(g.cast(x, "int64"), "float64"); // integer path: no gradient through it
    const offPath = g.op("Floor", [g.constant(new Float64Array([0.5, 0.5, 0.5]), [3])]); // no rule, not on the path
    const isPositive = g.op("Greater", [x, g.scalar(0, "float64")]);
    const masked = g.op("Where", [isPositive, g.op("Mul", [x, truncated]), offPath]);
    const loss = g.op("ReduceSum", [masked], { keepdims: 0 });
    const { model, gradients } = buildGradientModel(g.toModel(), { loss, wrt: [x, unused] });
    const session = await InferenceSession.create(encodeModel(model));
    const out = await session.run({});
    expect(Array.from(out[gradients.get(x) ?? ""]?.data as Float64Array, (v) => v + 0)).toEqual([1, 0, 3]);
    expect(Array.from(out[gradients.get(unused) ?? ""]?.data as Float64Array)).toEqual([0, 0]);
    expect(Array.from(out[loss]?.data as Float64Array)).toEqual([1.25 + 0 + 3 * 3.75]);
  });

  it("propagates a given seed (vector–Jacobian product) and rejects bad requests", async () => {
    const g = new GraphBuilder();
    const x = g.input("x", "float32", [2]);
    const y = g.op("Mul", [x, x]);
    const seed = g.input("dy", "float32", [2]);
    const grads = addGradients(g, { loss: y, wrt: [x], seed, gradientName: (w) => `d_${w}` });
    expect(grads.get(x)).toBe("d_x");
    g.output(grads.get(x) ?? "");
    const session = await InferenceSession.create(encodeModel(g.toModel()));
    const out = await session.run({
      x: new OrtTensor("float32", new Float32Array([3, 4]), [2]),
      dy: new OrtTensor("float32", new Float32Array([1, 10]), [2]),
    });
    expect(Array.from(out.d_x?.data as Float32Array)).toEqual([6, 80]);

    const h = new GraphBuilder();
    const ids = h.input("ids", "int64", [2]);
    const z = h.op("Neg", [h.input("z", "float32", [2])]);
    expect(() => addGradients(h, { loss: "nope", wrt: [] })).toThrow(GradientError);
    expect(() => addGradients(h, { loss: z, wrt: [ids] })).toThrow(/only float tensors/);
    expect(() => addGradients(h, { loss: z, wrt: ["missing"] })).toThrow(/not in the graph/);
  });

  it("differentiates torch-export style opset 14 and 17 graphs (ReduceMean axes attribute), raising 14 to 17", async () => {
    const r = random(3);
    const g = new GraphBuilder({ opset: 14 });
    const embed = weights(g, r, "embed", [6, 4], 1);
    const ids = g.constant(new BigInt64Array([1n, 3n, 3n, 0n]), [2, 2], "int64");
    const x = g.op("Gather", [embed, ids]);
    const centered = g.op("Sub", [x, g.op("ReduceMean", [x], { axes: [-1], keepdims: 1 })]);
    const [a, b] = g.opN("Split", [centered, g.int64s([1, 3])], 2, { axis: -1 });
    const probs = g.op("Softmax", [g.op("Unsqueeze", [b ?? "", g.int64s([0])])], { axis: -1 });
    const loss = g.op("ReduceSum", [g.op("Mul", [probs, a ?? ""])], { keepdims: 0 });
    g.output(loss);
    const model = g.toModel();
    model.opsetImports = [{ domain: "", version: 14 }];
    const { model: train } = buildGradientModel(model, { loss, wrt: [embed] });
    expect(train.opsetImports).toEqual([{ domain: "", version: 17 }]);
    for (const e of await gradCheck({ model, loss, wrt: [embed] })) {
      expect(Math.abs(e.analytic - e.numeric), `${e.wrt}[${e.index}]`).toBeLessThan(
        1e-7 + 1e-5 * Math.abs(e.numeric),
      );
    }

    const h = new GraphBuilder({ opset: 17 });
    const w = weights(h, r, "w", [3, 4], 1);
    const scale = weights(h, r, "scale", [4], 1);
    const normed = h.op("LayerNormalization", [w, scale], { axis: -1, epsilon: 1e-5 });
    const loss17 = h.op("ReduceSum", [h.op("Mul", [normed, h.op("Sin", [w])])], { keepdims: 0 });
    h.output(loss17);
    const model17 = h.toModel();
    model17.opsetImports = [{ domain: "", version: 17 }];
    for (const e of await gradCheck({ model: model17, loss: loss17, wrt: [w, scale] })) {
      expect(Math.abs(e.analytic - e.numeric), `${e.wrt}[${e.index}]`).toBeLessThan(
        1e-7 + 1e-5 * Math.abs(e.numeric),
      );
    }
  });

  it("folds SiLU, RMS normalisation and softmax-then-product gradients into their fused forms", () => {
    const g = new GraphBuilder();
    const x = g.input("x", "float32", [2, 3, 4]);
    const v = g.input("v", "float32", [2, 4, 4]);
    const square = g.op("Mul", [x, x], {}, { name: "square" });
    const ms = g.op("ReduceMean", [square, g.int64s([-1])], { keepdims: 1 }, { name: "mean" });
    const r = g.op("Reciprocal", [
      g.op("Sqrt", [g.op("Add", [ms, g.scalar(1e-5, "float32")])], {}, { name: "sqrt" }),
    ]);
    const normed = g.op("Mul", [x, r], {}, { name: "norm" });
    const silu = g.op(
      "Mul",
      [normed, g.op("Sigmoid", [normed], {}, { name: "sigmoid" })],
      {},
      { name: "silu" },
    );
    const probs = g.op("Softmax", [silu], { axis: -1 }, { name: "softmax" });
    const loss = g.op("ReduceSum", [g.op("MatMul", [probs, v], {}, { name: "pv" })], { keepdims: 0 });
    addGradients(g, { loss, wrt: [x, v] });
    const scopes = new Set(g.graph.nodes.map((n) => /^grad\/([^/]+)\//.exec(n.name)?.[1]).filter(Boolean));
    for (const absorbed of ["square", "mean", "sqrt", "sigmoid", "softmax"])
      expect(scopes.has(absorbed), absorbed).toBe(false);
    for (const fused of ["norm", "silu", "pv"]) expect(scopes.has(fused), fused).toBe(true);
    // The product's rule gives the softmax's input its gradient: the row sums come from the product's
    // output (Σ dO ⊙ O), and their shift rides in the product as a column of ones, with no Sub.
    const pvNodes = g.graph.nodes.filter((n) => n.name.startsWith("grad/pv/"));
    expect(pvNodes.some((n) => n.opType === "Mul" && n.inputs.includes("pv"))).toBe(true);
    expect(pvNodes.filter((n) => n.opType === "Concat")).toHaveLength(3);
    expect(pvNodes.some((n) => n.opType === "Sub")).toBe(false);
    expect(g.graph.nodes.filter((n) => n.opType === "Sum")).toHaveLength(0);
  });

  it("folds GELU's tanh approximation (gelu_new) into one slope with no Sum over x's five readers", () => {
    const g = new GraphBuilder();
    const x = g.input("x", "float32", [2, 3, 4]);
    const cube = g.op("Mul", [g.op("Mul", [x, x]), x]);
    const inner = g.op("Add", [x, g.op("Mul", [cube, g.scalar(0.044715, "float32")])]);
    const t = g.op(
      "Tanh",
      [g.op("Mul", [inner, g.scalar(Math.sqrt(2 / Math.PI), "float32")])],
      {},
      { name: "tanh" },
    );
    const half = g.op("Mul", [x, g.scalar(0.5, "float32")]);
    const y = g.op("Mul", [half, g.op("Add", [t, g.scalar(1, "float32")])], {}, { name: "gelu" });
    addGradients(g, { loss: g.op("ReduceSum", [y], { keepdims: 0 }), wrt: [x] });
    const grad = g.graph.nodes.filter((n) => n.name.startsWith("grad/"));
    expect(grad.filter((n) => n.opType === "Sum")).toHaveLength(0);
    expect(grad.some((n) => n.name.startsWith("grad/tanh/"))).toBe(false);
    expect(
      grad.filter((n) => n.name.startsWith("grad/gelu/") && n.opType === "Mul").length,
    ).toBeLessThanOrEqual(5);
  });

  it("differentiates a weight repeated per sequence with one product per sequence, summed by a row of ones", () => {
    const g = new GraphBuilder();
    const x = g.input("x", "float32", [3, 5, 4]);
    const w = g.input("w", "float32", [4, 6]);
    const repeated = g.op("Expand", [g.op("Unsqueeze", [w, g.int64s([0])]), g.int64s([3, 4, 6])]);
    const loss = g.op("ReduceSum", [g.op("MatMul", [x, repeated])], { keepdims: 0 });
    const dw = addGradients(g, { loss, wrt: [x, w] }).get(w);
    const grad = g.graph.nodes.filter((n) => n.name.startsWith("grad/"));
    // The B products have one sequence's shapes: [3, 4, 5]·[3, 5, 6] → [3, 4, 6].
    const products = grad.filter(
      (n) => n.opType === "MatMul" && g.typeOf(n.outputs[0] ?? "")?.shape?.length === 3,
    );
    expect(products.map((n) => g.typeOf(n.outputs[0] ?? "")?.shape)).toContainEqual([3, 4, 6]);
    // Summed by a [1, B] row of ones, not a ReduceSum over the leading axis, and no Gemm over all rows;
    // dx expands w anew, so the backward does not read the forward's expanded copies.
    expect(grad.some((n) => n.opType === "ReduceSum" || n.opType === "Gemm")).toBe(false);
    expect(grad.some((n) => n.inputs.includes(repeated))).toBe(false);
    expect(grad.some((n) => n.name.includes("/Expand/") || n.name.includes("/Unsqueeze/"))).toBe(false);
    expect(g.typeOf(dw ?? "")?.shape).toEqual([4, 6]);
  });

  it("gives a repeated weight's gradient to the nn.Linear weight behind its Transpose, copying the narrower activation", () => {
    for (const [k, n] of [
      [4, 6],
      [6, 4],
    ] as const) {
      const g = new GraphBuilder();
      const x = g.input("x", "float32", [3, 5, k]);
      const w = g.input("w", "float32", [n, k]);
      const wt = g.op("Transpose", [w], { perm: [1, 0] });
      const repeated = g.op("Expand", [g.op("Unsqueeze", [wt, g.int64s([0])]), g.int64s([3, k, n])]);
      const loss = g.op("ReduceSum", [g.op("MatMul", [x, repeated])], { keepdims: 0 });
      const dw = addGradients(g, { loss, wrt: [w] }).get(w);
      const grad = g.graph.nodes.filter((node) => node.name.startsWith("grad/"));
      // The Transpose feeding the expansion is absorbed: no rank-2 Transpose for onnxruntime to fold.
      expect(grad.some((node) => node.opType === "Transpose" && node.name.includes("/Transpose/"))).toBe(
        false,
      );
      // The narrower activation is the one copied transposed per sequence, through a rank-4 view that
      // onnxruntime does not fold into a product's transA: x [3, 5, k] when k ≤ n, else dy [3, 5, n].
      const copy = grad.find((node) => node.opType === "Transpose");
      expect(copy?.attributes.perm).toEqual({ type: "ints", value: [0, 1, 3, 2] });
      const view = grad.find((node) => node.outputs.includes(copy?.inputs[0] ?? ""));
      expect(view?.opType).toBe("Reshape");
      expect(view?.inputs[0] === x, `k ${k} n ${n}`).toBe(k <= n);
      // k ≤ n gives a [k, n] sum, turned to W's [n, k] layout by a second Transpose; k > n gives W's
      // layout directly.
      expect(grad.filter((node) => node.opType === "Transpose")).toHaveLength(k <= n ? 2 : 1);
      expect(g.typeOf(dw ?? "")?.shape).toEqual([n, k]);
    }
  });

  it("refuses graphs older than opset 13", () => {
    const g = new GraphBuilder({ opset: 11 });
    const x = g.initializer("x", makeTensor(new Float32Array([1, 2]), [2]));
    const loss = g.op("ReduceSum", [x], { keepdims: 0 });
    expect(() => addGradients(g, { loss, wrt: [x] })).toThrow(/opset ≥ 13/);
  });
});
