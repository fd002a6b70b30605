import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { packSequences } from "../logprobs/pack-sequences.js";
import { createTinyModel } from "../models/create-tiny-model.js";
import { GraphBuilder } from "../onnx/builder.js";
import { makeTensor } from "../onnx/tensor.js";
import { openTrainingSession, trainingSessionOptions } from "./open-session.js";
import { TrainStepSession } from "./train-step-session.js";

const KEEP_DENORMALS = { extra: { session: { set_denormal_as_zero: "0" } } };

describe("float32 training sessions flush denormals", () => {
  it("are opened with onnxruntime's flush flag in float32 only, and the caller can turn it off", () => {
    expect(trainingSessionOptions("float32").extra).toEqual({ session: { set_denormal_as_zero: "1" } });
    expect(trainingSessionOptions("float64").extra).toBeUndefined();
    expect(trainingSessionOptions("float64").graphOptimizationLevel).toBe("basic");
    const off = trainingSessionOptions("float32", {
      extra: { session: { set_denormal_as_zero: "0", other: "x" }, optimization: { y: "1" } },
      intraOpNumThreads: 2,
    });
    expect(off).toMatchObject({
      enableMemPattern: false,
      intraOpNumThreads: 2,
      extra: { session: { set_denormal_as_zero: "0", other: "x" }, optimization: { y: "1" } },
    });
  });

  it("gives the same losses and weights as a session that keeps them, over three RMSprop steps", async () => {
    const model = await createTinyModel({
      family: "llama",
      seed: 5,
      hiddenSize: 16,
      numLayers: 1,
      numHeads: 2,
    });
    const rows = [
      { promptIds: [1, 40, 50], completionIds: [70, 80, 2] },
      { promptIds: [1, 9], completionIds: [100, 101, 102, 2] },
      { promptIds: [1, 40, 50], completionIds: [71, 2] },
      { promptIds: [1, 9], completionIds: [103, 2] },
    ];
    const batch = packSequences(rows, { padId: 0, maxLength: 128, vocabSize: model.config.vocabSize });
    const flushed = await TrainStepSession.create(model, { loss: "apo_zero", optimizer: "rmsprop" });
    const kept = await TrainStepSession.create(model, {
      loss: "apo_zero",
      optimizer: "rmsprop",
      sessionOptions: KEEP_DENORMALS,
    });
    const reference = Array.from((await kept.step(batch, [0, 0, 0, 0], 0)).policyLogp);
    await flushed.step(batch, [0, 0, 0, 0], 0);
    for (let step = 0; step < 3; step++) {
      const a = await flushed.step(batch, reference, 1e-3);
      const b = await kept.step(batch, reference, 1e-3);
      expect(a.loss).toBe(b.loss);
      expect(Array.from(a.policyLogp)).toEqual(Array.from(b.policyLogp));
    }
    for (const [name, w] of flushed.weights) {
      const other = kept.weights.get(name);
      let worst = 0;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs((w[i] ?? 0) - (other?.[i] ?? 0)));
      expect(worst, name).toBeLessThan(1e-30);
    }
    await flushed.release();
    await kept.release();
  });
});

describe("training graphs with large initializers", () => {
  it("open through a temporary external-data file that is removed, with the same results", async () => {
    const g = new GraphBuilder({ opset: 18 });
    const x = g.input("x", "float32", [2, 300]);
    const w = g.initializer(
      "w",
      makeTensor(
        Float32Array.from({ length: 300 * 300 }, (_, i) => Math.sin(i)),
        [300, 300],
      ),
    );
    g.output(g.op("MatMul", [x, w], {}, { outputs: ["y"] }));
    const model = g.toModel();
    const feeds = {
      x: new ort.Tensor(
        "float32",
        Float32Array.from({ length: 600 }, (_, i) => i / 600),
        [2, 300],
      ),
    };
    const temps = async () => (await readdir(tmpdir())).filter((n) => n.startsWith("apo-train-step-"));
    const before = await temps();
    const fromMemory = await openTrainingSession(model, "float32");
    const fromFile = await openTrainingSession(model, "float32", {}, 1024);
    expect(await temps()).toEqual(before);
    const [a, b] = [await fromMemory.run(feeds), await fromFile.run(feeds)];
    expect(Array.from(b.y?.data as Float32Array)).toEqual(Array.from(a.y?.data as Float32Array));
    await fromMemory.release();
    await fromFile.release();
  });
});
