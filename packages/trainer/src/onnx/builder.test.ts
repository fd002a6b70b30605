import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { OnnxGraphError } from "../errors.js";
import { GraphBuilder } from "./builder.js";
import { encodeModel } from "./protobuf.js";
import { makeTensor } from "./tensor.js";

describe("GraphBuilder", () => {
  it("builds an MLP that onnxruntime runs, with inferred types", async () => {
    const g = new GraphBuilder({ name: "mlp" });
    const x = g.input("x", "float32", ["batch", 4]);
    const w = g.initializer("fc.weight", makeTensor(new Float32Array(12).fill(0.5), [4, 3]));
    const b = g.initializer("fc.bias", makeTensor(new Float32Array([1, 2, 3]), [3]));
    const h = g.scoped("fc", () => g.op("Add", [g.op("MatMul", [x, w]), b]));
    expect(h).toBe("fc/Add");
    const [left, right] = g.opN("Split", [h, g.int64s([1, 2])], 2, { axis: -1 });
    if (left === undefined || right === undefined) throw new Error("split outputs");
    const loss = g.op("ReduceSum", [right], { keepdims: 0 });
    expect(g.typeOf(h)).toEqual({ dtype: "float32", shape: ["batch", 3] });
    expect(g.typeOf(left)).toEqual({ dtype: "float32", shape: ["batch", 1] });
    expect(g.typeOf(loss)).toEqual({ dtype: "float32", shape: [] });
    g.output(left);
    g.output(loss);
    const session = await InferenceSession.create(encodeModel(g.toModel()));
    const out = await session.run({ x: new OrtTensor("float32", new Float32Array(8).fill(1), [2, 4]) });
    expect(Array.from(out[left]?.data as Float32Array)).toEqual([3, 3]);
    // right = [4, 5] per row, two rows → 18
    expect(Array.from(out[loss]?.data as Float32Array)).toEqual([18]);
  });

  it("makes names unique and rejects undefined inputs", () => {
    const g = new GraphBuilder();
    const x = g.input("x", "float32", [2]);
    const a = g.op("Neg", [x]);
    const b = g.op("Neg", [x]);
    expect(a).not.toBe(b);
    expect(() => g.op("Neg", ["nope"])).toThrow(OnnxGraphError);
    expect(() => g.input("x", "float32")).toThrow(/already defined/);
  });

  it("infers float attributes for known float names", () => {
    const g = new GraphBuilder();
    const a = g.input("a", "float32", [2, 3]);
    const b = g.input("b", "float32", [3, 4]);
    const y = g.op("Gemm", [a, b], { alpha: 1, transB: 0 });
    const node = g.graph.nodes.at(-1);
    expect(node?.attributes.alpha).toEqual({ type: "float", value: 1 });
    expect(node?.attributes.transB).toEqual({ type: "int", value: 0 });
    expect(g.typeOf(y)?.shape).toEqual([2, 4]);
  });
});
