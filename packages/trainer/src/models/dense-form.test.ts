import { InferenceSession, type Tensor as OrtTensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { addGradients } from "../autodiff/gradient.js";
import { emitCompletionLogProbs } from "../logprobs/build-log-prob-graph.js";
import { packSequences } from "../logprobs/pack-sequences.js";
import { packedFeeds } from "../logprobs/packed-feeds.js";
import { GraphBuilder } from "../onnx/builder.js";
import { encodeModel } from "../onnx/protobuf.js";
import { createTinyModel } from "./create-tiny-model.js";
import { PER_SEQUENCE_MIN_LENGTH } from "./graph-helpers.js";
import type { WeightOptions } from "./model-weights.js";
import type { PretrainedModel } from "./pretrained-model.js";
import { weightFeeds } from "./weight-feeds.js";

/** The log-prob graph with `options`, Σ logp as `loss` and, with weights as inputs, every dloss/dW. */
function graph(
  model: PretrainedModel,
  options: WeightOptions,
): { g: GraphBuilder; grads: Map<string, string> } {
  const g = new GraphBuilder();
  const { logp } = emitCompletionLogProbs(g, model, options);
  const loss = g.op("ReduceSum", [logp, g.int64s([0])], { keepdims: 0 }, { outputs: ["loss"] });
  g.output(loss);
  const grads =
    options.trainable === "all" ? addGradients(g, { loss, wrt: [...model.weights.keys()] }) : new Map();
  for (const name of grads.values()) g.output(name);
  return { g, grads };
}

/** How the dense layers were emitted: products of per-sequence expanded weights, and 2-D Gemms. */
function denseForms(g: GraphBuilder): { perSequence: number; gemm: number } {
  const nodes = g.toModel().graph.nodes.filter((n) => !n.name.startsWith("grad/"));
  const expanded = new Set(nodes.filter((n) => n.opType === "Expand").map((n) => n.outputs[0]));
  return {
    perSequence: nodes.filter((n) => n.opType === "MatMul" && expanded.has(n.inputs[1])).length,
    gemm: nodes.filter((n) => n.opType === "Gemm").length,
  };
}

describe.each(["llama", "gpt2"] as const)("dense layers' form (%s)", (family) => {
  const tiny = (maxPositions: number) =>
    createTinyModel({ family, seed: 3, numLayers: 2, hiddenSize: 16, intermediateSize: 24, maxPositions });

  it(`trainable weights take per-sequence products from ${PER_SEQUENCE_MIN_LENGTH} expected tokens, 2-D Gemms below; frozen ones always Gemms`, async () => {
    const short = await tiny(128);
    const long = await tiny(1024);
    // Per layer: Llama's q, k, v, o, gate, up, down; GPT-2's c_attn (q|k|v), c_proj, c_fc, mlp.c_proj.
    // Plus the LM head.
    const dense = 2 * (family === "llama" ? 7 : 4) + 1;
    const cases: [PretrainedModel, WeightOptions, "perSequence" | "gemm"][] = [
      [short, { trainable: "all" }, "gemm"], // default: maxPositions 128 bounds T
      [long, { trainable: "all" }, "perSequence"],
      [long, { trainable: "all", expectedSequenceLength: PER_SEQUENCE_MIN_LENGTH - 1 }, "gemm"],
      [short, { trainable: "all", expectedSequenceLength: PER_SEQUENCE_MIN_LENGTH }, "perSequence"],
      [long, {}, "gemm"],
    ];
    for (const [model, options, form] of cases) {
      const forms = denseForms(graph(model, options).g);
      const label = `maxPositions ${model.config.maxPositions}, ${JSON.stringify(options)}`;
      expect(forms[form], label).toBe(dense);
      expect(forms[form === "gemm" ? "perSequence" : "gemm"], label).toBe(0);
    }
  });

  it("both forms give the same log-probs and weight gradients (float64)", async () => {
    const model = await tiny(128);
    const rows = [
      { promptIds: [1, 40, 50, 60], completionIds: [70, 80, 2] },
      { promptIds: [1, 9], completionIds: [100, 101, 102, 2] },
      { promptIds: [1, 7, 7, 7, 7], completionIds: [3] },
    ];
    const packed = packSequences(rows, { padId: 0, maxLength: 128, vocabSize: model.config.vocabSize });
    const feeds: Record<string, OrtTensor> = { ...packedFeeds(packed), ...weightFeeds(model, "float64") };
    const results: Record<string, OrtTensor>[] = [];
    const gradNames: Map<string, string>[] = [];
    for (const expectedSequenceLength of [16, 512]) {
      const { g, grads } = graph(model, { trainable: "all", dtype: "float64", expectedSequenceLength });
      const session = await InferenceSession.create(encodeModel(g.toModel()), {
        graphOptimizationLevel: "basic",
      });
      results.push(await session.run(feeds));
      gradNames.push(grads);
      await session.release();
    }
    const [flat, perSequence] = results as [Record<string, OrtTensor>, Record<string, OrtTensor>];
    const loss = (r: Record<string, OrtTensor>) => (r.loss as OrtTensor).data[0] as number;
    expect(Number.isFinite(loss(flat))).toBe(true);
    expect(Math.abs(loss(flat) - loss(perSequence))).toBeLessThan(1e-12 * Math.abs(loss(flat)));
    for (const name of model.weights.keys()) {
      const a = flat[gradNames[0]?.get(name) ?? ""]?.data as Float64Array;
      const b = perSequence[gradNames[1]?.get(name) ?? ""]?.data as Float64Array;
      const scale = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);
      expect(scale, name).toBeGreaterThan(0);
      expect(worst / scale, name).toBeLessThan(1e-12);
    }
  });
});
