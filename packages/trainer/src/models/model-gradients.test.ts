import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { addGradients } from "../autodiff/gradient.js";
import { emitCompletionLogProbs } from "../logprobs/build-log-prob-graph.js";
import { packSequences } from "../logprobs/pack-sequences.js";
import { packedFeeds } from "../logprobs/packed-feeds.js";
import { GraphBuilder } from "../onnx/builder.js";
import { encodeModel } from "../onnx/protobuf.js";
import { createTinyModel } from "./create-tiny-model.js";
import type { FloatType } from "./model-family.js";
import type { PretrainedModel } from "./pretrained-model.js";
import { weightFeeds } from "./weight-feeds.js";

const rows = [
  { promptIds: [1, 40, 50, 60], completionIds: [70, 80, 2] },
  { promptIds: [1, 9], completionIds: [100, 101, 102, 2] },
];
/** A scalar function of the per-sequence log-probs: L = Σ_b c_b · logp_b, with distinct c_b. */
const COEFFICIENTS = [0.7, -1.3];

/** The float64 graph of L with every weight as a graph input; with `withGradients`, also dL/dW. */
function lossGraph(
  model: PretrainedModel,
  withGradients: boolean,
  dtype: FloatType = "float64",
): { bytes: Uint8Array; grads: Map<string, string> } {
  const g = new GraphBuilder();
  const { logp } = emitCompletionLogProbs(g, model, { dtype, trainable: "all" });
  const c = g.constant((dtype === "float64" ? Float64Array : Float32Array).from(COEFFICIENTS), [
    COEFFICIENTS.length,
  ]);
  const loss = g.op(
    "ReduceSum",
    [g.op("Mul", [logp, c]), g.int64s([0])],
    { keepdims: 0 },
    { outputs: ["loss"] },
  );
  g.output(loss);
  const grads = withGradients
    ? addGradients(g, { loss, wrt: [...model.weights.keys()] })
    : new Map<string, string>();
  for (const name of grads.values()) g.output(name);
  return { bytes: encodeModel(g.toModel()), grads };
}

describe.each(["llama", "gpt2"] as const)("whole-model gradients (%s)", (family) => {
  it("dL/dW of every weight tensor matches central finite differences on sampled coordinates", async () => {
    const model = await createTinyModel({
      family,
      seed: 31,
      numLayers: 2,
      hiddenSize: 16,
      intermediateSize: 24,
    });
    const packed = packSequences(rows, { padId: 0, maxLength: 128, vocabSize: model.config.vocabSize });
    const feeds: Record<string, OrtTensor> = packedFeeds(packed);
    const exact = { graphOptimizationLevel: "basic" } as const;
    const backward = lossGraph(model, true);
    const gradSession = await InferenceSession.create(backward.bytes, exact);
    const forwardSession = await InferenceSession.create(lossGraph(model, false).bytes, exact);
    Object.assign(feeds, weightFeeds(model, "float64"));
    const gradients = await gradSession.run(feeds);
    const lossAt = async (name: string, data: Float64Array, shape: readonly number[]) =>
      (
        (await forwardSession.run({ ...feeds, [name]: new OrtTensor("float64", data, [...shape]) })).loss!
          .data as Float64Array
      )[0]!;
    const eps = 1e-5;
    let checked = 0;
    for (const [name, t] of model.weights) {
      const grad = gradients[backward.grads.get(name)!]!.data as Float64Array;
      const base = Float64Array.from(t.data as Float32Array);
      for (const index of [0, Math.floor(base.length / 2), base.length - 1]) {
        const plus = base.slice();
        plus[index]! += eps;
        const minus = base.slice();
        minus[index]! -= eps;
        const numeric =
          ((await lossAt(name, plus, t.shape)) - (await lossAt(name, minus, t.shape))) / (2 * eps);
        expect(grad[index], `${name}[${index}]`).toBeCloseTo(numeric, 6);
        checked++;
      }
      // Every weight influences the log-probs (embedding rows of unused tokens may not).
      expect(
        grad.some((v) => v !== 0),
        name,
      ).toBe(true);
    }
    expect(checked).toBe(3 * model.weights.size);
    await gradSession.release();
    await forwardSession.release();
  }, 120_000);

  it("gradients with 2 and 4 intra-op threads equal the single-thread session's (a batch large enough to split, repeated ids)", async () => {
    const model = await createTinyModel({
      family,
      seed: 5,
      numLayers: 2,
      hiddenSize: 128,
      intermediateSize: 96,
      maxPositions: 1024,
    });
    // 2 × 1024 tokens over 8 distinct ids: the embedding gradient scatters 2048 rows of 128 into 8.
    const many = COEFFICIENTS.map((_, r) => ({
      promptIds: Array.from({ length: 512 }, (_, i) => 3 + ((i * 3 + r) % 8)),
      completionIds: Array.from({ length: 512 }, (_, i) => 3 + ((i * 5 + r) % 8)),
    }));
    const packed = packSequences(many, { padId: 0, maxLength: 1024, vocabSize: model.config.vocabSize });
    const feeds = { ...packedFeeds(packed), ...weightFeeds(model) };
    const { bytes, grads } = lossGraph(model, true, "float32");
    const byThreads = new Map<number, Record<string, OrtTensor>>();
    for (const threads of [1, 2, 4]) {
      const session = await InferenceSession.create(bytes, { intraOpNumThreads: threads });
      byThreads.set(threads, await session.run(feeds));
      await session.release();
    }
    for (const [name, grad] of grads) {
      const one = byThreads.get(1)?.[grad]?.data as Float32Array;
      const scale = one.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      for (const threads of [2, 4]) {
        const other = byThreads.get(threads)?.[grad]?.data as Float32Array;
        const worst = other.reduce((m, v, i) => Math.max(m, Math.abs(v - (one[i] as number))), 0);
        expect(worst / scale, `${name}, ${threads} threads`).toBeLessThan(1e-5);
      }
    }
  }, 60_000);
});
