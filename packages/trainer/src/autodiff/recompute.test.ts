import { beforeAll, describe, expect, it } from "vitest";
import { type PackedBatch, packSequences } from "../logprobs/pack-sequences.js";
import { initLoraWeights } from "../lora/init-lora-weights.js";
import type { LoraConfig } from "../lora/lora-config.js";
import { LORA_DEFAULTS } from "../lora/lora-options.js";
import { createTinyModel } from "../models/create-tiny-model.js";
import { decoderLayerOf } from "../models/decoder-layer-of.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { GraphBuilder } from "../onnx/builder.js";
import { makeTensor } from "../onnx/tensor.js";
import type { Graph } from "../onnx/types.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { stepFiniteDifferences } from "../testing/step-finite-differences.js";
import { buildTrainStep } from "../train-step/train-step-graph.js";
import { TrainStepSession, type TrainStepSessionOptions } from "../train-step/train-step-session.js";
import { addGradients } from "./gradient.js";

const LORA: LoraConfig = { ...LORA_DEFAULTS, r: 4, alpha: 8 };

const rows = [
  { promptIds: [1, 40, 50, 7, 8], completionIds: [70, 80, 90, 91, 2] },
  { promptIds: [1, 9], completionIds: [100, 101, 102, 103, 104, 105, 2] },
  { promptIds: [1, 40, 50, 7, 8], completionIds: [71, 2] },
  { promptIds: [1, 9], completionIds: [106, 107, 2] },
];

/** Values a layer's forward nodes produce that a backward (`grad/…`) node reads. */
function keptForBackward(graph: Graph): Map<string, string> {
  const layerOf = new Map<string, string>();
  for (const node of graph.nodes) {
    const layer = decoderLayerOf(node);
    if (layer === undefined || node.name.startsWith("grad/") || node.name.startsWith("recompute/")) continue;
    for (const o of node.outputs) layerOf.set(o, layer);
  }
  const kept = new Map<string, string>();
  for (const node of graph.nodes) {
    if (!node.name.startsWith("grad/")) continue;
    for (const i of node.inputs) {
      const layer = layerOf.get(i);
      if (layer !== undefined) kept.set(i, layer);
    }
  }
  return kept;
}

/** Whether a forward node outside `layer` reads `value` (a layer's output, the next layer's checkpoint). */
function readOutside(graph: Graph, value: string, layer: string): boolean {
  return graph.nodes.some(
    (n) =>
      n.inputs.includes(value) &&
      decoderLayerOf(n) !== layer &&
      !n.name.startsWith("grad/") &&
      !n.name.startsWith("recompute/"),
  );
}

describe("recomputeSegments on a hand-built graph", () => {
  it("replays the segment on a gated copy of its input, keeps the gradients and only the checkpoint", () => {
    const build = (recompute: boolean) => {
      const g = new GraphBuilder({ opset: 18 });
      const x = g.input("x", "float64", [2, 3]);
      const w = g.initializer(
        "w",
        makeTensor(new Float64Array([0.5, -1, 2, 0.25, 1.5, -0.75, 1, 0.1, -2]), [3, 3]),
        {
          asInput: true,
        },
      );
      let h = g.op("Tanh", [x]);
      for (const l of [0, 1]) {
        h = g.scoped(`layers.${l}`, () => {
          const a = g.op("MatMul", [h, w]);
          const b = g.op("Sigmoid", [a]);
          return g.op("Add", [h, g.op("Mul", [a, b])]);
        });
      }
      const loss = g.op("ReduceSum", [g.op("Mul", [h, h])], { keepdims: 0 });
      const grads = addGradients(g, { loss, wrt: [w], ...(recompute ? { recompute: decoderLayerOf } : {}) });
      return { graph: g.graph, grad: grads.get(w) as string };
    };
    const plain = build(false);
    const re = build(true);
    const replayed = re.graph.nodes.filter((n) => n.name.startsWith("recompute/"));
    // Per layer: Shape, Slice, Min, Max and Expand (the gate), then MatMul, Sigmoid and the a·σ(a) Mul that
    // the fused SiLU gradient reads; the residual Add producing the layer's output is not replayed.
    expect(replayed.map((n) => n.opType).sort()).toEqual(
      ["Shape", "Slice", "Min", "Max", "Expand", "MatMul", "Sigmoid", "Mul"].flatMap((op) => [op, op]).sort(),
    );
    for (const [value, layer] of keptForBackward(re.graph)) {
      expect(readOutside(re.graph, value, layer), `${value} kept for the backward`).toBe(true);
    }
    expect(keptForBackward(plain.graph).size).toBeGreaterThan(keptForBackward(re.graph).size);
    // Each node's inputs are produced earlier (the graph stays topologically sorted).
    const seen = new Set<string>(["x", "w", ...re.graph.initializers.keys()]);
    for (const node of re.graph.nodes) {
      for (const i of node.inputs) if (i !== "") expect(seen.has(i), `${node.name} reads ${i}`).toBe(true);
      for (const o of node.outputs) seen.add(o);
    }
  });
});

describe.each(["llama", "gpt2"] as const)("training step with recomputation (%s)", (family) => {
  let model: PretrainedModel;
  let batch: PackedBatch;

  beforeAll(async () => {
    model = await createTinyModel({
      family,
      seed: 5,
      hiddenSize: 16,
      numLayers: 2,
      numHeads: 2,
      intermediateSize: 24,
    });
    batch = packSequences(rows, {
      padId: 0,
      maxLength: model.config.maxPositions,
      vocabSize: model.config.vocabSize,
    });
  });

  it("keeps only each layer's input for the backward", () => {
    const artifact = buildTrainStep(model, { dtype: "float64", recompute: true });
    expect(artifact.recompute).toBe(true);
    const kept = keptForBackward(artifact.model.graph);
    for (const [value, layer] of kept) {
      expect(readOutside(artifact.model.graph, value, layer), `${value} kept for the backward`).toBe(true);
    }
    const plain = keptForBackward(buildTrainStep(model, { dtype: "float64" }).model.graph);
    expect(plain.size).toBeGreaterThan(4 * kept.size);
    const replayedLayers = new Set(
      artifact.model.graph.nodes
        .filter((n) => n.name.startsWith("recompute/"))
        .map((n) => decoderLayerOf({ ...n, name: n.name.slice("recompute/".length) })),
    );
    expect(replayedLayers.size).toBe(2);
  });

  for (const dtype of ["float64", "float32"] as const) {
    for (const lora of [false, true]) {
      it(`${dtype}${lora ? ", LoRA" : ""}: two steps give bit-for-bit the plain graph's results`, async () => {
        const options: TrainStepSessionOptions = {
          dtype,
          optimizer: "rmsprop",
          maxGradNorm: 1,
          ...(lora
            ? {
                lora: LORA,
                // B ≠ 0 so that the adapters' path carries gradient to A as well.
                adapters: perturbed(initLoraWeights(model, LORA, 1, dtype)),
              }
            : {}),
        };
        const run = async (recompute: boolean) => {
          const s = await TrainStepSession.create(model, { ...options, recompute });
          const reference = Array.from((await s.step(batch, [0, 0, 0, 0], 0)).policyLogp).map(
            (v, i) => v + [0.3, -0.2, 0.5, -0.4][i]!,
          );
          const results = [await s.step(batch, reference, 1e-3), await s.step(batch, reference, 1e-3)];
          const weights = new Map([...s.weights].map(([k, v]) => [k, Array.from(v)]));
          await s.release();
          return {
            results: results.map((r) => ({
              loss: r.loss,
              gradNorm: r.gradNorm,
              logp: Array.from(r.policyLogp),
            })),
            weights,
          };
        };
        const plain = await run(false);
        const re = await run(true);
        expect(plain.results[0]?.gradNorm).toBeGreaterThan(0);
        expect(re.results).toEqual(plain.results);
        expect(re.weights).toEqual(plain.weights);
      });
    }
  }

  it("float64: the step's update matches central finite differences", async () => {
    const s = await TrainStepSession.create(model, {
      dtype: "float64",
      optimizer: "sgd",
      maxGradNorm: Number.POSITIVE_INFINITY,
      recompute: true,
    });
    const reference = Array.from((await s.step(batch, [0, 0, 0, 0], 0)).policyLogp).map(
      (v, i) => v + [0.3, -0.2, 0.5, -0.4][i]!,
    );
    const lossAt = async () => (await s.step(batch, reference, 0)).loss;
    const { result, coordinates } = await stepFiniteDifferences(s, () => s.step(batch, reference, 1), lossAt);
    for (const { name, index, grad, fd } of coordinates) {
      expect(Math.abs(grad - fd), `${name}[${index}]: ${grad} vs ${fd}`).toBeLessThanOrEqual(
        1e-7 + 1e-6 * Math.abs(fd),
      );
    }
    expect(coordinates.length).toBeGreaterThan(10);
    expect(result.gradNorm).toBeGreaterThan(0);
    await s.release();
  });
});

function perturbed(weights: WeightMap): WeightMap {
  let state = 7;
  for (const { data: w } of weights.values()) {
    for (let i = 0; i < w.length; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      if (w[i] === 0) w[i] = (state / 2 ** 32 - 0.5) * 0.2;
    }
  }
  return weights;
}
