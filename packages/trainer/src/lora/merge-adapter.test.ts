import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTinyModel } from "../models/create-tiny-model.js";
import {
  loadPretrainedModel,
  type PretrainedModel,
  savePretrainedModel,
} from "../models/pretrained-model.js";
import { SeededRandom } from "../models/seeded-random.js";
import { readSafetensorsFile } from "../safetensors/read-safetensors.js";
import { initLoraWeights } from "./init-lora-weights.js";
import { type LoraConfig, loraAName, loraBName, loraScale } from "./lora-config.js";
import { loraModules } from "./lora-modules.js";
import { mergeLoraAdapter } from "./merge-adapter.js";
import type { LoraAdapter } from "./peft-adapter.js";

function adapterFor(model: PretrainedModel, config: LoraConfig, seed: number): LoraAdapter {
  const rng = new SeededRandom(seed);
  const weights = initLoraWeights(model, config, seed, "float64");
  for (const t of weights.values()) {
    const d = t.data as Float64Array;
    for (let i = 0; i < d.length; i++) d[i] = rng.normal() * 0.1;
  }
  return { config, weights, modules: loraModules(model, config.targets), baseModel: null };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "apo-merge-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("mergeLoraAdapter", () => {
  it("adds s·B·A to each Llama linear weight [out, in], leaves the others and the base model alone", async () => {
    const base = await createTinyModel({ family: "llama", numLayers: 1, out: join(dir, "llama") });
    const model = await loadPretrainedModel(join(dir, "llama"), { dtype: "float64" });
    const config: LoraConfig = { r: 3, alpha: 5, targets: ["k_proj", "down_proj"] };
    const adapter = adapterFor(model, config, 4);
    const merged = mergeLoraAdapter(model, adapter);
    const s = loraScale(config);
    expect(s).toBeCloseTo(5 / 3, 15);
    for (const m of adapter.modules) {
      const w = model.weights.get(m.baseWeight)!.data as Float64Array;
      const w2 = merged.weights.get(m.baseWeight)!.data as Float64Array;
      expect(w2).not.toBe(w);
      const a = adapter.weights.get(loraAName(m.module))!.data as Float64Array;
      const b = adapter.weights.get(loraBName(m.module))!.data as Float64Array;
      for (const [o, i] of [
        [0, 0],
        [m.outFeatures - 1, m.inFeatures - 1],
        [1, 2],
      ] as const) {
        let delta = 0;
        for (let k = 0; k < 3; k++) delta += b[o * 3 + k]! * a[k * m.inFeatures + i]!;
        expect(w2[o * m.inFeatures + i]).toBeCloseTo(w[o * m.inFeatures + i]! + s * delta, 14);
      }
      expect(w2[5]).not.toBe(w[5]);
    }
    const untouched = "model.layers.0.self_attn.q_proj.weight";
    expect(merged.weights.get(untouched)).toBe(model.weights.get(untouched));
    // The loaded model still holds the base values.
    expect(model.weights.get("model.layers.0.self_attn.k_proj.weight")!.data).toEqual(
      Float64Array.from(base.weights.get("model.layers.0.self_attn.k_proj.weight")!.data as Float32Array),
    );
  });

  it("adds s·(B·A)ᵀ to GPT-2's Conv1D weights [in, out]", async () => {
    const model = await createTinyModel({ family: "gpt2", numLayers: 1 });
    const config: LoraConfig = { r: 2, alpha: 2, targets: ["c_fc"], rsLora: true };
    const adapter = adapterFor(model, config, 5);
    const merged = mergeLoraAdapter(model, adapter);
    const [m] = adapter.modules;
    const s = 2 / Math.sqrt(2);
    const w = model.weights.get(m!.baseWeight)!.data as Float32Array;
    const w2 = merged.weights.get(m!.baseWeight)!.data as Float32Array;
    expect(w2).toBeInstanceOf(Float32Array);
    const a = adapter.weights.get(loraAName(m!.module))!.data as Float64Array;
    const b = adapter.weights.get(loraBName(m!.module))!.data as Float64Array;
    const [nIn, nOut] = [32, 64];
    for (const [i, o] of [
      [0, 0],
      [3, 60],
      [31, 63],
    ] as const) {
      const delta = b[o * 2]! * a[i]! + b[o * 2 + 1]! * a[nIn + i]!;
      expect(w2[i * nOut + o]).toBe(Math.fround(w[i * nOut + o]! + s * delta));
    }
  });

  it("saves as the base's dtype through savePretrainedModel", async () => {
    await createTinyModel({ family: "llama", numLayers: 1, out: join(dir, "src32") });
    const model = await loadPretrainedModel(join(dir, "src32"), { dtype: "float64" });
    const merged = mergeLoraAdapter(model, adapterFor(model, { r: 2, alpha: 4, targets: ["o_proj"] }, 6));
    await savePretrainedModel(merged, join(dir, "merged"));
    const stored = await readSafetensorsFile(join(dir, "merged", "model.safetensors"), { dtype: "float64" });
    const name = "model.layers.0.self_attn.o_proj.weight";
    expect(stored.get(name)!.sourceDtype).toBe("F32");
    expect(stored.get(name)!.data).toEqual(
      Float64Array.from(Float32Array.from(merged.weights.get(name)!.data as Float64Array)),
    );
  });
});
