import pkg from "onnx-proto";
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "./builder.js";
import { decodeModel } from "./protobuf.js";

const { onnx } = pkg;

describe("decodeModel", () => {
  it("reads tensors stored in typed fields (float_data, int64_data, double_data, int32_data) and Constant forms", () => {
    const bytes = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: "", version: 17 }],
        graph: {
          name: "typed",
          initializer: [
            { name: "f", dims: [2], dataType: 1, floatData: [1.5, -2] },
            { name: "i", dims: [3], dataType: 7, int64Data: [1, -1, 7] },
            { name: "d", dims: [], dataType: 11, doubleData: [0.25] },
            { name: "b", dims: [2], dataType: 9, int32Data: [1, 0] },
            { name: "h", dims: [1], dataType: 10, int32Data: [0x3c00] },
          ],
          node: [
            {
              name: "c",
              opType: "Constant",
              output: ["axes"],
              attribute: [{ name: "value_ints", type: 7, ints: [0, -1] }],
            },
          ],
        },
      }),
    ).finish();
    const model = decodeModel(bytes);
    const t = model.graph.initializers;
    expect(Array.from(t.get("f")?.data as Float32Array)).toEqual([1.5, -2]);
    expect(Array.from(t.get("i")?.data as BigInt64Array)).toEqual([1n, -1n, 7n]);
    expect(t.get("d")).toEqual({ dtype: "float64", dims: [], data: new Float64Array([0.25]) });
    expect(t.get("b")).toEqual({ dtype: "bool", dims: [2], data: new Uint8Array([1, 0]) });
    expect(t.get("h")).toEqual({ dtype: "float16", dims: [1], data: new Uint16Array([0x3c00]) });
    const g = GraphBuilder.fromModel(model);
    expect(g.constantNumbers("axes")).toEqual([0, -1]);
    expect(g.typeOf("axes")).toEqual({ dtype: "int64", shape: [2] });
  });

  it("rejects a tensor whose data does not fill its dims", () => {
    const bytes = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        graph: { name: "bad", initializer: [{ name: "w", dims: [2, 2], dataType: 1, floatData: [1, 2, 3] }] },
      }),
    ).finish();
    expect(() => decodeModel(bytes)).toThrow(/`w` has 3 values but dims \[2, 2\] need 4/);
  });
});
