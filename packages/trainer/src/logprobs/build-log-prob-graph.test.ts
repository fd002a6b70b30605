import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { addGradients } from "../autodiff/gradient.js";
import { createTinyModel } from "../models/create-tiny-model.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { weightFeeds } from "../models/weight-feeds.js";
import { GraphBuilder } from "../onnx/builder.js";
import { encodeModel } from "../onnx/protobuf.js";
import { buildLogProbModel, emitCompletionLogProbs, LOG_PROB_IO } from "./build-log-prob-graph.js";
import { packSequences } from "./pack-sequences.js";
import { packedFeeds } from "./packed-feeds.js";

const rows = [
  { promptIds: [1, 40, 50, 60], completionIds: [70, 80, 2] },
  { promptIds: [1, 9], completionIds: [100, 101, 102, 103, 2] },
  { promptIds: [1, 200, 201], completionIds: [258] },
];
/** L = Σ_b c_b · logp_b with distinct c_b, so every sequence's gradient differs. */
const COEFFICIENTS = [0.7, -1.3, 0.4];

/**
 * The float32 log-probs of `model` and dL/dW of every weight. `plainHead` also outputs the LogSoftmax,
 * which keeps the LogSoftmax and GatherElements rules apart (the values the fused rule must reproduce).
 */
function gradientGraph(model: PretrainedModel, plainHead = false) {
  const g = new GraphBuilder();
  const { logp } = emitCompletionLogProbs(g, model, { trainable: "all" });
  const c = g.constant(Float32Array.from(COEFFICIENTS), [COEFFICIENTS.length]);
  const loss = g.op("ReduceSum", [g.op("Mul", [logp, c]), g.int64s([0])], { keepdims: 0 });
  g.output(g.op("Identity", [logp], {}, { outputs: ["logp"] }));
  const logSoftmax = g.graph.nodes.find((n) => n.opType === "LogSoftmax");
  if (plainHead) g.output(logSoftmax?.outputs[0] ?? "");
  const grads = addGradients(g, { loss, wrt: [...model.weights.keys()] });
  for (const name of grads.values()) g.output(name);
  return { g, grads, logSoftmax };
}

describe.each(["llama", "gpt2"] as const)("the log-prob head (%s)", (family) => {
  it("slices no vocabulary-wide tensor and differentiates LogSoftmax + GatherElements in one fused rule", async () => {
    const model = await createTinyModel({ family, seed: 3, numLayers: 1 });
    const vocab = model.config.vocabSize;
    const { g, logSoftmax } = gradientGraph(model);
    const nodes = g.graph.nodes;
    const vocabWide = (name: string) => g.typeOf(name)?.shape?.at(-1) === vocab;
    const copies = nodes.filter((n) => ["Slice", "Pad"].includes(n.opType) && vocabWide(n.outputs[0] ?? ""));
    expect(copies.map((n) => n.name)).toEqual([]);
    expect(vocabWide(logSoftmax?.inputs[0] ?? "")).toBe(true);
    expect(nodes.filter((n) => n.name.startsWith(`grad/${logSoftmax?.name}/`))).toEqual([]);
    const pick = nodes.find((n) => n.opType === "GatherElements");
    const pickGrad = nodes.filter((n) => n.name.startsWith(`grad/${pick?.name}/`)).map((n) => n.opType);
    expect(pickGrad).toContain("ScatterElements");
    expect(pickGrad).not.toContain("ConstantOfShape");
    const plain = gradientGraph(model, true).g.graph.nodes;
    expect(plain.filter((n) => n.name.startsWith(`grad/${logSoftmax?.name}/`)).length).toBeGreaterThan(0);
  });

  it("gives the plain rules' log-probs and weight gradients bit for bit (float32, padded rows)", async () => {
    const model = await createTinyModel({ family, seed: 4, numLayers: 2 });
    const packed = packSequences(rows, { padId: 0, maxLength: 64, vocabSize: model.config.vocabSize });
    const feeds = { ...packedFeeds(packed), ...weightFeeds(model) };
    const run = async (plainHead: boolean) => {
      const { g, grads } = gradientGraph(model, plainHead);
      const session = await InferenceSession.create(encodeModel(g.toModel()));
      const out = await session.run(feeds);
      await session.release();
      const values = (name: string) => Array.from(out[name]?.data as Float32Array);
      return { logp: values("logp"), grads: new Map([...grads].map(([w, name]) => [w, values(name)])) };
    };
    const [fused, plain] = [await run(false), await run(true)];
    expect(fused.logp).toEqual(plain.logp);
    expect(fused.grads.size).toBe(model.weights.size);
    for (const [w, grad] of fused.grads) {
      const other = plain.grads.get(w) ?? [];
      // `!==` compares values: a zero's sign may differ (see fusedLogSoftmaxGatherGrad).
      const differing = grad.flatMap((v, i) => (v !== other[i] ? [i] : []));
      expect(differing, w).toEqual([]);
      expect(
        grad.some((v) => v !== 0),
        w,
      ).toBe(true);
    }
  });
});

describe("one-token sequences", () => {
  it("have no predicted token: log-prob 0 over 0 tokens", async () => {
    const model = await createTinyModel({ family: "llama", seed: 5, numLayers: 1 });
    const session = await InferenceSession.create(encodeModel(buildLogProbModel(model)));
    const ids = (values: number[]) => new OrtTensor("int64", BigInt64Array.from(values.map(BigInt)), [2, 1]);
    const out = await session.run({
      [LOG_PROB_IO.inputIds]: ids([7, 9]),
      [LOG_PROB_IO.attentionMask]: ids([1, 1]),
      [LOG_PROB_IO.completionMask]: ids([1, 1]),
    });
    await session.release();
    expect(Array.from(out[LOG_PROB_IO.logp]?.data as Float32Array)).toEqual([0, 0]);
    expect(Array.from(out[LOG_PROB_IO.tokens]?.data as Float32Array)).toEqual([0, 0]);
  });
});
