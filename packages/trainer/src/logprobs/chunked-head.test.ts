import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { gradCheck } from "../autodiff/grad-check.js";
import { buildGradientModel } from "../autodiff/gradient.js";
import { SeededRandom } from "../models/seeded-random.js";
import { GraphBuilder } from "../onnx/builder.js";
import { encodeModel } from "../onnx/protobuf.js";
import { int64Tensor, makeTensor } from "../onnx/tensor.js";
import type { Model } from "../onnx/types.js";
import { emitTargetLogProbs, headChunkCount, headChunkOf } from "./chunked-head.js";

const [B, T, D, V] = [2, 7, 5, 11];

/** loss = Σ picks ⊙ c over a random hidden [B, T, D] input and head weight [V, D] input. */
function headModel(dtype: "float32" | "float64", chunks: number): Model {
  const g = new GraphBuilder({ opset: 18 });
  const hidden = g.input("hidden", dtype, ["batch", "seq", D]);
  const head = g.input("head", dtype, [V, D]);
  const targets = g.input("targets", "int64", ["batch", "seq"]);
  const coefficients = g.input("c", dtype, ["batch", "seq"]);
  const picks = emitTargetLogProbs(g, hidden, head, targets, chunks);
  g.output(g.op("Identity", [picks], {}, { outputs: ["picks"] }));
  g.output(g.op("ReduceSum", [g.op("Mul", [picks, coefficients])], { keepdims: 0 }, { outputs: ["loss"] }));
  return g.toModel();
}

function feeds(dtype: "float32" | "float64") {
  const rng = new SeededRandom(11);
  const floats = (n: number, scale: number) => {
    const a = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
    return a;
  };
  // Adversarial: a huge logit row (exp overflows without the max shift) and repeated targets.
  const hidden = floats(B * T * D, 1);
  hidden[3] = 300;
  const ids = Array.from({ length: B * T }, (_, i) => (i * 7) % V);
  ids[4] = ids[5] as number;
  return {
    hidden: makeTensor(hidden, [B, T, D]),
    head: makeTensor(floats(V * D, 0.7), [V, D]),
    targets: int64Tensor(ids, [B, T]),
    c: makeTensor(floats(B * T, 1), [B, T]),
  };
}

async function run(model: Model, dtype: "float32" | "float64", outputs: string[]) {
  const session = await ort.InferenceSession.create(encodeModel(model));
  const f = feeds(dtype);
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(f)) {
    tensors[name] = new ort.Tensor(t.dtype as "float32", t.data as Float32Array, [...t.dims]);
  }
  const out = await session.run(tensors, outputs);
  await session.release();
  return outputs.map((o) => Array.from(out[o]?.data as Float64Array));
}

describe("chunked log-prob head", () => {
  it("counts chunks from the sequence length and vocabulary", () => {
    expect(headChunkCount(512, 259)).toBe(1);
    expect(headChunkCount(256, 49152)).toBe(12);
    expect(headChunkCount(21, 49152)).toBe(1);
    expect(headChunkCount(1 << 20, 49152)).toBe(16);
    expect(
      headChunkOf({
        name: "logprob/head.3/MatMul",
        opType: "",
        domain: "",
        inputs: [],
        outputs: [],
        attributes: {},
      }),
    ).toBe("logprob/head.3/");
  });

  for (const dtype of ["float64", "float32"] as const) {
    it(`${dtype}: chunked picks are the unchunked ones, gradients agree, recomputed chunks equal kept ones`, async () => {
      const [whole] = await run(headModel(dtype, 1), dtype, ["picks"]);
      for (const chunks of [2, 3, 7]) {
        const [picks] = await run(headModel(dtype, chunks), dtype, ["picks"]);
        // float64 bit for bit; float32 within an ulp or two (MLAS's kernels depend on the row count).
        if (dtype === "float64") expect(picks).toEqual(whole);
        else
          picks?.forEach((v, i) => {
            expect(Math.abs(v - (whole?.[i] as number))).toBeLessThanOrEqual(4e-7 * Math.abs(v));
          });
      }
      const grads = (chunks: number, recompute: boolean) =>
        buildGradientModel(headModel(dtype, chunks), {
          loss: "loss",
          wrt: ["hidden", "head"],
          ...(recompute ? { recompute: headChunkOf } : {}),
        }).model;
      const names = ["grad/hidden", "grad/head"];
      const plain = await run(grads(1, false), dtype, names);
      const kept = await run(grads(3, false), dtype, names);
      const recomputed = await run(grads(3, true), dtype, names);
      expect(recomputed).toEqual(kept);
      const tolerance = dtype === "float64" ? 1e-12 : 1e-5;
      for (const [k, g] of kept.entries()) {
        for (const [i, v] of g.entries()) {
          const p = plain[k]?.[i] as number;
          expect(Math.abs(v - p)).toBeLessThanOrEqual(tolerance * (1 + Math.abs(v)));
        }
      }
      // The recomputed graph replays each chunk's head product and log-softmax after its gradient arrives.
      const replayed = grads(3, true).graph.nodes.filter((n) => n.name.startsWith("recompute/"));
      expect(replayed.filter((n) => n.opType === "LogSoftmax")).toHaveLength(3);
    });
  }

  it("float64: central finite differences of the chunked head", async () => {
    const f = feeds("float64");
    const entries = await gradCheck({
      model: headModel("float64", 3),
      loss: "loss",
      wrt: ["hidden", "head"],
      feeds: f,
      maxCoordinates: 12,
    });
    expect(entries.length).toBe(24);
    for (const e of entries)
      expect(Math.abs(e.analytic - e.numeric)).toBeLessThanOrEqual(1e-7 * (1 + Math.abs(e.numeric)));
  });
});
