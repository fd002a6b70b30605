import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import type { FloatType } from "../../models/model-family.js";
import { GraphBuilder } from "../../onnx/builder.js";
import { encodeModel } from "../../onnx/protobuf.js";
import { makeTensor } from "../../onnx/tensor.js";
import type { Model } from "../../onnx/types.js";
import { gradCheck } from "../grad-check.js";
import { buildGradientModel } from "../gradient.js";

const [B, T, V] = [2, 5, 50];

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

interface PickGraph {
  readonly model: Model;
  readonly loss: string;
  readonly x: Float32Array | Float64Array;
}

/**
 * loss = Σ_rows r ⊙ GatherElements(LogSoftmax(x), t) for logits x [B, T, V] spread over [−12, 12], random
 * targets t [B, T, 1] (some negative, counted from the end) and random weights r, so the incoming
 * gradient g = r differs per row. `pinned` also outputs the LogSoftmax, which keeps the plain rules.
 */
function pickGraph(dtype: FloatType, options: { pinned?: boolean; twoPicks?: boolean } = {}): PickGraph {
  const next = random(dtype === "float64" ? 11 : 12);
  const picks = options.twoPicks === true ? 2 : 1;
  const g = new GraphBuilder({ name: "log-softmax-gather" });
  const data = dtype === "float64" ? new Float64Array(B * T * V) : new Float32Array(B * T * V);
  for (let i = 0; i < data.length; i++) data[i] = 24 * next() - 12;
  const x = g.initializer("x", makeTensor(data, [B, T, V]));
  const targets = BigInt64Array.from({ length: B * T * picks }, (_, i) =>
    BigInt(i % 3 === 0 ? -1 - Math.floor(next() * V) : Math.floor(next() * V)),
  );
  const weights = Array.from({ length: B * T * picks }, () => 4 * next() - 2);
  const y = g.op("LogSoftmax", [x], { axis: -1 });
  const picked = g.op("GatherElements", [y, g.constant(targets, [B, T, picks], "int64")], { axis: -1 });
  const r = g.constant(dtype === "float64" ? Float64Array.from(weights) : Float32Array.from(weights), [
    B,
    T,
    picks,
  ]);
  const loss = g.op("ReduceSum", [g.op("Mul", [picked, r])], { keepdims: 0 });
  g.output(loss);
  if (options.pinned === true) g.output(y);
  return { model: g.toModel(), loss, x: data };
}

function gradientGraph(graph: PickGraph): { model: Model; grad: string } {
  const { model, gradients } = buildGradientModel(graph.model, { loss: graph.loss, wrt: ["x"] });
  return { model, grad: gradients.get("x") ?? "" };
}

async function gradientOf(graph: PickGraph): Promise<number[]> {
  const { model, grad } = gradientGraph(graph);
  const session = await ort.InferenceSession.create(encodeModel(model));
  try {
    const out = await session.run({});
    return Array.from(out[grad]?.data as Float32Array | Float64Array);
  } finally {
    await session.release();
  }
}

const backwardOps = (model: Model) =>
  model.graph.nodes.filter((n) => n.name.startsWith("grad/")).map((n) => n.opType);

describe("fused gradient of GatherElements(LogSoftmax(x), t) (token log-probs)", () => {
  it("applies only when the LogSoftmax is read by the pick alone and there is one pick per row", () => {
    const fused = backwardOps(gradientGraph(pickGraph("float64")).model);
    expect(fused.filter((op) => op === "ScatterElements")).toHaveLength(1);
    expect(fused).not.toContain("ConstantOfShape");
    expect(fused).not.toContain("Sub");
    for (const options of [{ pinned: true }, { twoPicks: true }]) {
      const plain = backwardOps(gradientGraph(pickGraph("float64", options)).model);
      expect(plain).toContain("ConstantOfShape");
      expect(plain).toContain("Sub");
    }
  });

  it.each(["float64", "float32"] as const)(
    "gives the plain rules' gradient bit for bit (%s)",
    async (dtype) => {
      const fused = await gradientOf(pickGraph(dtype));
      const plain = await gradientOf(pickGraph(dtype, { pinned: true }));
      expect(fused).toHaveLength(B * T * V);
      expect(fused.some((v) => v !== 0)).toBe(true);
      // `!==` compares values: a zero's sign may differ (0 − (+0) = +0 where −(+0) = −0).
      const differing = fused.flatMap((v, i) => (v !== plain[i] ? [`x[${i}]: ${v} vs ${plain[i]}`] : []));
      expect(differing).toEqual([]);
    },
  );

  it("agrees with central finite differences (float64)", async () => {
    const { model, loss } = pickGraph("float64");
    const entries = await gradCheck({ model, loss, wrt: ["x"] });
    expect(entries).toHaveLength(B * T * V);
    for (const e of entries) {
      const bound = 1e-8 + 1e-6 * Math.max(Math.abs(e.analytic), Math.abs(e.numeric));
      expect(Math.abs(e.analytic - e.numeric), `x[${e.index}]`).toBeLessThanOrEqual(bound);
    }
  });
});
