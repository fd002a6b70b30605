import { describe, expect, it } from "vitest";
import { createTinyModel } from "../models/create-tiny-model.js";
import { TrainConfigError } from "../train-step/train-config-error.js";
import { initLoraWeights } from "./init-lora-weights.js";
import { loraAName, loraBName } from "./lora-config.js";
import { LoraTargetError } from "./lora-errors.js";

describe("initLoraWeights", () => {
  it("gives A [r, in] uniform within ±1/√in and B [out, r] zero for each targeted module", async () => {
    const model = await createTinyModel({ family: "llama", numLayers: 2, intermediateSize: 64 });
    const w = initLoraWeights(model, { r: 4, alpha: 8, targets: ["q_proj", "down_proj"] }, 7);
    expect([...w.keys()]).toEqual([
      loraAName("model.layers.0.self_attn.q_proj"),
      loraBName("model.layers.0.self_attn.q_proj"),
      loraAName("model.layers.0.mlp.down_proj"),
      loraBName("model.layers.0.mlp.down_proj"),
      loraAName("model.layers.1.self_attn.q_proj"),
      loraBName("model.layers.1.self_attn.q_proj"),
      loraAName("model.layers.1.mlp.down_proj"),
      loraBName("model.layers.1.mlp.down_proj"),
    ]);
    const down = w.get(loraAName("model.layers.0.mlp.down_proj"))!;
    expect(down.shape).toEqual([4, 64]);
    expect(down.data).toBeInstanceOf(Float32Array);
    const values = [...(down.data as Float32Array)];
    const bound = 1 / Math.sqrt(64);
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
    // 256 uniform draws: spread over the interval (variance bound²/3), not a constant.
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.2 * bound);
    expect(variance / ((bound * bound) / 3)).toBeGreaterThan(0.8);
    expect(variance / ((bound * bound) / 3)).toBeLessThan(1.2);
    const b = w.get(loraBName("model.layers.0.mlp.down_proj"))!;
    expect(b.shape).toEqual([32, 4]);
    expect([...(b.data as Float32Array)].every((v) => v === 0)).toBe(true);
  });

  it("is the same for the same seed, differs for another, and float64 holds the float32 draws unrounded", async () => {
    const model = await createTinyModel({ family: "gpt2", numLayers: 1 });
    const config = { r: 2, alpha: 4, targets: ["c_attn"] };
    const name = loraAName("transformer.h.0.attn.c_attn");
    const a = initLoraWeights(model, config, 3).get(name)!.data;
    expect(initLoraWeights(model, config, 3).get(name)!.data).toEqual(a);
    expect(initLoraWeights(model, config, 4).get(name)!.data).not.toEqual(a);
    const a64 = initLoraWeights(model, config, 3, "float64").get(name)!.data;
    expect(a64).toBeInstanceOf(Float64Array);
    expect(Float32Array.from(a64 as Float64Array)).toEqual(a);
    expect(initLoraWeights(model, config, 3).get(loraBName("transformer.h.0.attn.c_attn"))!.shape).toEqual([
      96, 2,
    ]);
  });

  it("refuses r ≤ 0 and alpha ≤ 0 naming the parameter, and an unknown target", async () => {
    const model = await createTinyModel({ family: "llama", numLayers: 1 });
    expect(() => initLoraWeights(model, { r: 0, alpha: 8, targets: ["q_proj"] }, 1)).toThrow(/lora\.r/);
    expect(() => initLoraWeights(model, { r: 2, alpha: 0, targets: ["q_proj"] }, 1)).toThrow(
      TrainConfigError,
    );
    expect(() => initLoraWeights(model, { r: 2, alpha: -1, targets: ["q_proj"] }, 1)).toThrow(/lora\.alpha/);
    expect(() => initLoraWeights(model, { r: 2, alpha: 4, targets: ["c_attn"] }, 1)).toThrow(LoraTargetError);
  });
});
