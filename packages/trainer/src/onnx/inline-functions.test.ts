import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { buildGradientModel } from "../autodiff/gradient.js";
import { GraphBuilder } from "./builder.js";
import { inlineFunctions } from "./inline-functions.js";
import { decodeModel, encodeModel } from "./protobuf.js";
import { makeTensor } from "./tensor.js";
import type { FunctionDef, Model } from "./types.js";

/** y = x · σ(alpha · x) as a local function with an attribute reference, called twice. */
function modelWithFunction(): Model {
  const fn: FunctionDef = {
    name: "ScaledSilu",
    domain: "local",
    inputs: ["x"],
    outputs: ["y"],
    attributes: ["alpha"],
    nodes: [
      {
        name: "alpha",
        opType: "Constant",
        domain: "",
        inputs: [],
        outputs: ["a"],
        attributes: { value_float: { type: "ref", value: "alpha", refType: 1 } },
      },
      { name: "scale", opType: "Mul", domain: "", inputs: ["x", "a"], outputs: ["ax"], attributes: {} },
      { name: "gate", opType: "Sigmoid", domain: "", inputs: ["ax"], outputs: ["s"], attributes: {} },
      { name: "out", opType: "Mul", domain: "", inputs: ["x", "s"], outputs: ["y"], attributes: {} },
    ],
    opsetImports: [{ domain: "", version: 18 }],
  };
  const g = new GraphBuilder();
  const w = g.initializer("w", makeTensor(new Float32Array([0.5, -1, 2, 0.25]), [4]));
  const x = g.input("x", "float32", [4]);
  const h = g.op("Mul", [x, w]);
  const first = g.op(
    "ScaledSilu",
    [h],
    { alpha: { type: "float", value: 1.5 } },
    { domain: "local", name: "act1" },
  );
  g.setType(first, { dtype: "float32", shape: [4] });
  const second = g.op(
    "ScaledSilu",
    [first],
    { alpha: { type: "float", value: 0.5 } },
    { domain: "local", name: "act2" },
  );
  g.setType(second, { dtype: "float32", shape: [4] });
  const loss = g.op("ReduceSum", [second], { keepdims: 0 }, { outputs: ["loss"] });
  g.output(loss);
  return { ...g.toModel(), functions: [fn] };
}

describe("model-local functions", () => {
  it("round-trip through protobuf and inline to the same values", async () => {
    const model = modelWithFunction();
    expect(decodeModel(encodeModel(model))).toEqual(model);
    const flat = inlineFunctions(model);
    expect(flat.functions).toBeUndefined();
    expect(flat.graph.nodes.map((n) => n.name)).toContain("act2/gate");
    expect(flat.opsetImports.map((o) => o.domain)).toEqual([""]);
    const x = { x: new OrtTensor("float32", new Float32Array([1, 2, 3, 4]), [4]) };
    const a = await (await InferenceSession.create(encodeModel(model))).run(x);
    const b = await (await InferenceSession.create(encodeModel(flat))).run(x);
    expect(Array.from(b.loss?.data as Float32Array)[0]).toBeCloseTo(
      Array.from(a.loss?.data as Float32Array)[0] ?? 0,
      5,
    );
  });

  it("makes a function-calling model differentiable", async () => {
    const flat = inlineFunctions(modelWithFunction());
    const { model, gradients } = buildGradientModel(flat, { loss: "loss", wrt: ["w"] });
    const out = await (await InferenceSession.create(encodeModel(model))).run({
      x: new OrtTensor("float32", new Float32Array([1, 2, 3, 4]), [4]),
    });
    const grad = Array.from(out[gradients.get("w") ?? ""]?.data as Float32Array);
    expect(grad).toHaveLength(4);
    expect(grad.every((v) => Number.isFinite(v) && v !== 0)).toBe(true);
  });
});
