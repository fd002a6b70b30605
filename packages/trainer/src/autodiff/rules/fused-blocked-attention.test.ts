import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { blockedAttention } from "../../models/blocked-attention.js";
import { attention } from "../../models/graph-helpers.js";
import { GraphBuilder } from "../../onnx/builder.js";
import { encodeModel } from "../../onnx/protobuf.js";
import { makeTensor } from "../../onnx/tensor.js";
import { gradCheck } from "../grad-check.js";
import { buildGradientModel } from "../gradient.js";

const [B, H, KV, T, D] = [2, 4, 2, 6, 3];

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

/** q [B, H, T, d], k and v [B, KV, T, d] (grouped-query), a causal bias with the second row's first key padded. */
function attentionGraph(blocks: number | "plain") {
  const next = random(7);
  const g = new GraphBuilder({ name: "blocked-attention" });
  const tensor = (shape: number[]) =>
    makeTensor(
      Float64Array.from({ length: shape.reduce((a, b) => a * b) }, () => 2 * next()),
      shape,
    );
  const q = g.initializer("q", tensor([B, H, T, D]));
  const k = g.initializer("k", tensor([B, KV, T, D]));
  const v = g.initializer("v", tensor([B, KV, T, D]));
  const bias = new Float64Array(B * T * T);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < T; i++)
      for (let j = 0; j < T; j++)
        bias[(b * T + i) * T + j] = j > i || (b === 1 && j === 0 && i > 0) ? -1e9 : 0;
  const biasName = g.constant(bias, [B, 1, T, T]);
  const dims = { heads: H, kvHeads: KV, headDim: D, dtype: "float64" as const };
  const out =
    blocks === "plain"
      ? attention(g, q, k, v, biasName, dims)
      : blockedAttention(g, q, k, v, biasName, dims, blocks);
  const weights = Float64Array.from({ length: B * T * H * D }, () => next());
  const loss = g.op("ReduceSum", [g.op("Mul", [out, g.constant(weights, [B, T, H * D])])], { keepdims: 0 });
  g.output(out);
  g.output(loss);
  return { model: g.toModel(), loss, out };
}

describe("attention over query blocks (blockedAttention + fusedBlockedAttentionGrad)", () => {
  it("computes the same output as the one-block attention (float64)", async () => {
    const run = async (blocks: number | "plain") => {
      const { model, out } = attentionGraph(blocks);
      const session = await ort.InferenceSession.create(encodeModel(model));
      const result = await session.run({});
      await session.release();
      return Array.from(result[out]?.data as Float64Array);
    };
    const plain = await run("plain");
    for (const blocks of [2, 4]) {
      const blocked = await run(blocks);
      expect(blocked.length).toBe(plain.length);
      for (let i = 0; i < plain.length; i++)
        expect(Math.abs((blocked[i] ?? 0) - (plain[i] ?? 0))).toBeLessThan(1e-14);
    }
  });

  it.each([2, 4, 6])(
    "gradients of q, k and v with %i blocks agree with central finite differences",
    async (blocks) => {
      const { model, loss } = attentionGraph(blocks);
      const entries = await gradCheck({ model, loss, wrt: ["q", "k", "v"] });
      expect(entries.length).toBe(B * (H + 2 * KV) * T * D);
      for (const e of entries) {
        const bound = 1e-7 + 1e-6 * Math.max(Math.abs(e.analytic), Math.abs(e.numeric));
        expect(Math.abs(e.analytic - e.numeric), `${e.wrt}[${e.index}]`).toBeLessThanOrEqual(bound);
      }
    },
  );

  it("recomputes the probabilities: no forward Softmax output is read by the backward", () => {
    const blocks = 3;
    const { model, loss } = attentionGraph(blocks);
    const graph = buildGradientModel(model, { loss, wrt: ["q", "k", "v"] }).model.graph;
    const softmaxes = graph.nodes.filter((n) => n.opType === "Softmax");
    expect(softmaxes.length).toBe(2 * blocks);
    for (const s of softmaxes.filter((n) => !n.name.startsWith("grad/"))) {
      const readers = graph.nodes.filter((n) => n.inputs.includes(s.outputs[0] ?? ""));
      expect(readers.map((r) => r.name).filter((name) => name.startsWith("grad/"))).toEqual([]);
    }
  });
});
