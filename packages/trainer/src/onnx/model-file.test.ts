import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { OnnxGraphError } from "../errors.js";
import { GraphBuilder } from "./builder.js";
import { readModel, writeModel } from "./model-file.js";
import { decodeModel, encodeModel } from "./protobuf.js";
import { makeTensor } from "./tensor.js";
import type { Model } from "./types.js";

const dir = await mkdtemp(join(tmpdir(), "apo-onnx-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

function sampleModel(): Model {
  const g = new GraphBuilder({ name: "sample" });
  const x = g.input("x", "float32", ["batch", 64]);
  const w = g.initializer(
    "big.weight",
    makeTensor(
      Float32Array.from({ length: 64 * 32 }, (_, i) => i / 100),
      [64, 32],
    ),
  );
  const bias = g.initializer("small.bias", makeTensor(new Float32Array(32).fill(0.25), [32]));
  const y = g.op("Add", [g.op("MatMul", [x, w]), bias]);
  const ids = g.initializer("ids", makeTensor(new BigInt64Array([0n, 2n, -1n]), [3]));
  const picked = g.op("Gather", [y, ids], { axis: 1 });
  const mask = g.constant(new Uint8Array([1, 0, 1]), [3], "bool");
  const z = g.op("Where", [mask, picked, g.scalar(0, "float32")]);
  const sub = new GraphBuilder({ name: "then", parent: g });
  sub.output(sub.op("Identity", [z]));
  const cond = g.constant(new Uint8Array([1]), [], "bool");
  const out = g.op("If", [cond], { then_branch: sub.graph, else_branch: sub.graph });
  g.setType(out, { dtype: "float32", shape: ["batch", 3] });
  g.output(out);
  const model = g.toModel({ metadata: { purpose: "test" } });
  model.graph.valueInfo.push({ name: y, dtype: "float32", shape: ["batch", 32] });
  return model;
}

describe("ONNX protobuf round trip", () => {
  it("decode(encode(model)) is the same model, and re-encodes to the same bytes", () => {
    const model = sampleModel();
    const bytes = encodeModel(model);
    const back = decodeModel(bytes);
    expect(back).toEqual(model);
    expect(encodeModel(back)).toEqual(bytes);
  });

  it("writes external data beside the model and reads it back; onnxruntime loads it", async () => {
    const model = sampleModel();
    const path = join(dir, "model.onnx");
    await writeModel(path, model, { externalData: { threshold: 1024 } });
    const data = await stat(join(dir, "model.onnx.data"));
    expect(data.size).toBe(64 * 32 * 4);
    expect((await stat(path)).size).toBeLessThan(4096);
    const back = await readModel(path);
    expect(back).toEqual(model);

    const session = await InferenceSession.create(path);
    const inline = await InferenceSession.create(encodeModel(model));
    const x = new OrtTensor(
      "float32",
      Float32Array.from({ length: 128 }, (_, i) => Math.sin(i)),
      [2, 64],
    );
    const a = await session.run({ x });
    const b = await inline.run({ x });
    const name = model.graph.outputs[0]?.name ?? "";
    expect(Array.from(a[name]?.data as Float32Array)).toEqual(Array.from(b[name]?.data as Float32Array));
    expect(Array.from(a[name]?.data as Float32Array)[1]).toBe(0);
  });

  it("fails clearly on a missing external file and on garbage bytes", async () => {
    const path = join(dir, "lonely.onnx");
    await writeModel(path, sampleModel(), { externalData: { threshold: 16, location: "absent.bin" } });
    await rm(join(dir, "absent.bin"));
    await expect(readModel(path)).rejects.toThrow(/absent\.bin/);
    const bytes = await readFile(path);
    expect(() => decodeModel(bytes)).toThrow(/readModel/);
    expect(() => decodeModel(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow(OnnxGraphError);
  });
});
