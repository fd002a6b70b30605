import { describe, expect, it } from "vitest";
import { GraphBuilder } from "./builder.js";
import { broadcastShapes } from "./shape-inference.js";

describe("broadcastShapes", () => {
  it("follows numpy rules with symbols and unknowns", () => {
    expect(
      broadcastShapes([
        ["batch", 1, 8],
        [4, 8],
      ]),
    ).toEqual(["batch", 4, 8]);
    expect(
      broadcastShapes([
        [null, "q"],
        ["r", "q"],
      ]),
    ).toEqual([null, "q"]);
    expect(broadcastShapes([[], [null, null]])).toEqual([null, null]);
    expect(broadcastShapes([["p"], ["r"]])).toEqual([null]);
    expect(broadcastShapes([[2], undefined])).toBeUndefined();
  });
});

describe("inference through the builder", () => {
  it("infers shapes of shape-changing ops from constant inputs", () => {
    const g = new GraphBuilder();
    const x = g.input("x", "float32", ["b", 6, 4]);
    expect(g.typeOf(g.op("Reshape", [x, g.int64s([0, -1, 2])]))?.shape).toEqual(["b", 12, 2]);
    const y = g.input("y", "float32", [2, 6, 4]);
    expect(g.typeOf(g.op("Reshape", [y, g.int64s([0, -1, 2])]))?.shape).toEqual([2, 12, 2]);
    expect(g.typeOf(g.op("Slice", [x, g.int64s([1]), g.int64s([2 ** 53]), g.int64s([1])]))?.shape).toEqual([
      "b",
      5,
      4,
    ]);
    expect(
      g.typeOf(g.op("Slice", [y, g.int64s([-1]), g.int64s([-10]), g.int64s([2]), g.int64s([-2])]))?.shape,
    ).toEqual([2, 6, 2]);
    const ids = g.input("ids", "int64", ["b", "s"]);
    expect(g.typeOf(g.op("Gather", [y, ids], { axis: 1 }))?.shape).toEqual([2, "b", "s", 4]);
    expect(g.typeOf(g.op("Concat", [y, y], { axis: -1 }))?.shape).toEqual([2, 6, 8]);
    expect(g.typeOf(g.op("ReduceMean", [x, g.int64s([-1])], { keepdims: 0 }))?.shape).toEqual(["b", 6]);
    expect(g.typeOf(g.op("Unsqueeze", [x, g.int64s([0, -1])]))?.shape).toEqual([1, "b", 6, 4, 1]);
    expect(g.typeOf(g.op("Transpose", [x], { perm: [2, 0, 1] }))?.shape).toEqual([4, "b", 6]);
    expect(g.typeOf(g.op("MatMul", [x, g.input("w", "float32", [4, 3])]))?.shape).toEqual(["b", 6, 3]);
    expect(g.typeOf(g.op("Shape", [x]))).toEqual({ dtype: "int64", shape: [3] });
    expect(g.typeOf(g.cast(x, "float16"))).toEqual({ dtype: "float16", shape: ["b", 6, 4] });
    expect(g.typeOf(g.op("Equal", [x, x]))?.dtype).toBe("bool");
    expect(g.typeOf(g.op("Expand", [g.input("v", "float32", [6, 1]), g.int64s([3, 1, 5])]))?.shape).toEqual([
      3, 6, 5,
    ]);
  });
});

describe("symbolic shape values", () => {
  it("keeps symbolic dims through shapes computed at run time", () => {
    const g = new GraphBuilder();
    const ids = g.input("ids", "int64", ["batch", "seq"]);
    const shape = g.op("Shape", [ids]);
    expect(g.valueOf(shape)).toEqual(["batch", "seq"]);
    const seq = g.op("Gather", [shape, g.constant(new BigInt64Array([1n]), [], "int64")], { axis: 0 });
    expect(g.valueOf(seq)).toEqual(["seq"]);
    const range = g.op("Range", [
      g.constant(new BigInt64Array([0n]), []),
      seq,
      g.constant(new BigInt64Array([1n]), []),
    ]);
    expect(g.typeOf(range)?.shape).toEqual(["seq"]);
    const x = g.input("x", "float32", ["batch", "seq", 8]);
    const target = g.op("Concat", [g.op("Unsqueeze", [seq, g.int64s([0])]), g.int64s([2, 4])], { axis: 0 });
    expect(g.valueOf(target)).toEqual(["seq", 2, 4]);
    expect(
      g.typeOf(g.op("Reshape", [x, g.op("Concat", [g.int64s([0]), target], { axis: 0 })]))?.shape,
    ).toEqual(["batch", "seq", 2, 4]);
    const heads = g.op("Expand", [g.op("Unsqueeze", [x, g.int64s([2])]), g.int64s([1, 1, 3, 1])]);
    expect(g.typeOf(g.op("Reshape", [heads, g.int64s([0, -1, 8])]))?.shape).toEqual(["batch", null, 8]);
    expect(g.typeOf(g.op("Reshape", [heads, g.int64s([0, 0, -1])]))?.shape).toEqual(["batch", "seq", 24]);
    const split = g.op("Reshape", [x, g.int64s([0, 0, 2, -1])]);
    expect(g.typeOf(split)?.shape).toEqual(["batch", "seq", 2, 4]);
    expect(g.typeOf(g.op("Reshape", [split, g.int64s([0, -1, 8])]))?.shape).toEqual(["batch", "seq", 8]);
  });
});
