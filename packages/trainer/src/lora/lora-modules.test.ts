import { describe, expect, it } from "vitest";
import { ApoError } from "../errors.js";
import { createTinyModel } from "../models/create-tiny-model.js";
import { LoraTargetError } from "./lora-errors.js";
import { expandLoraTargets, linearModules, loraModules, targetMatches } from "./lora-modules.js";

describe("loraModules", () => {
  it("lists a Llama's seven projections per layer as linear [out, in] modules, without embeddings or lm_head", async () => {
    const model = await createTinyModel({ family: "llama", numLayers: 2, numHeads: 4, numKeyValueHeads: 2 });
    const all = linearModules(model);
    expect(all).toHaveLength(14);
    expect(all.map((m) => m.module).slice(0, 7)).toEqual([
      "model.layers.0.self_attn.q_proj",
      "model.layers.0.self_attn.k_proj",
      "model.layers.0.self_attn.v_proj",
      "model.layers.0.self_attn.o_proj",
      "model.layers.0.mlp.gate_proj",
      "model.layers.0.mlp.up_proj",
      "model.layers.0.mlp.down_proj",
    ]);
    const k = all[1]!;
    expect(k).toEqual({
      module: "model.layers.0.self_attn.k_proj",
      baseWeight: "model.layers.0.self_attn.k_proj.weight",
      inFeatures: 32,
      outFeatures: 16,
      layout: "linear",
    });
    expect(model.weights.get(k.baseWeight)?.shape).toEqual([k.outFeatures, k.inFeatures]);
    expect(all.find((m) => m.module.endsWith("down_proj"))).toMatchObject({
      inFeatures: 64,
      outFeatures: 32,
    });
    expect(all.some((m) => m.module.includes("lm_head") || m.module.includes("embed"))).toBe(false);
  });

  it("matches targets by equality or a '.'-suffix, in model order", async () => {
    const model = await createTinyModel({ family: "llama" });
    expect(loraModules(model, ["v_proj", "q_proj"]).map((m) => m.module)).toEqual([
      "model.layers.0.self_attn.q_proj",
      "model.layers.0.self_attn.v_proj",
      "model.layers.1.self_attn.q_proj",
      "model.layers.1.self_attn.v_proj",
    ]);
    expect(loraModules(model, ["layers.1.mlp.up_proj"]).map((m) => m.module)).toEqual([
      "model.layers.1.mlp.up_proj",
    ]);
    expect(targetMatches("proj", "model.layers.0.self_attn.q_proj")).toBe(false);
    expect(targetMatches("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.q_proj")).toBe(true);
  });

  it("gives GPT-2's Conv1D layers as [in, out] with PEFT's transformer. path for either checkpoint naming", async () => {
    const model = await createTinyModel({ family: "gpt2", numLayers: 1 });
    const all = linearModules(model);
    expect(all.map((m) => [m.module, m.inFeatures, m.outFeatures, m.layout])).toEqual([
      ["transformer.h.0.attn.c_attn", 32, 96, "conv1d"],
      ["transformer.h.0.attn.c_proj", 32, 32, "conv1d"],
      ["transformer.h.0.mlp.c_fc", 32, 64, "conv1d"],
      ["transformer.h.0.mlp.c_proj", 64, 32, "conv1d"],
    ]);
    for (const m of all)
      expect(model.weights.get(m.baseWeight)?.shape).toEqual([m.inFeatures, m.outFeatures]);
    expect(loraModules(model, ["c_proj"]).map((m) => m.module)).toEqual([
      "transformer.h.0.attn.c_proj",
      "transformer.h.0.mlp.c_proj",
    ]);
    // A checkpoint saved from GPT2Model (openai-community/gpt2) names its tensors without `transformer.`.
    const bare = new Map([...model.weights].map(([name, t]) => [name.replace(/^transformer\./, ""), t]));
    const [first] = loraModules({ config: model.config, weights: bare }, ["c_attn"]);
    expect(first).toMatchObject({
      module: "transformer.h.0.attn.c_attn",
      baseWeight: "h.0.attn.c_attn.weight",
    });
  });

  it("expands all-linear (any case) to every linear layer and PEFT's sorted last-component names", async () => {
    const gpt2 = await createTinyModel({ family: "gpt2", numLayers: 1 });
    expect(loraModules(gpt2, ["ALL-LINEAR"])).toHaveLength(4);
    expect(expandLoraTargets(gpt2, ["all-linear"])).toEqual(["c_attn", "c_fc", "c_proj"]);
    const llama = await createTinyModel({ family: "llama" });
    expect(expandLoraTargets(llama, ["all-linear"])).toEqual([
      "down_proj",
      "gate_proj",
      "k_proj",
      "o_proj",
      "q_proj",
      "up_proj",
      "v_proj",
    ]);
    expect(expandLoraTargets(llama, ["q_proj", "self_attn.v_proj", "q_proj"])).toEqual([
      "q_proj",
      "self_attn.v_proj",
    ]);
  });

  it("an unknown target is a LoraTargetError naming it and listing the linear layers", async () => {
    const model = await createTinyModel({ family: "llama", numLayers: 1 });
    let error: unknown;
    try {
      loraModules(model, ["q_proj", "qkv_proj"]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LoraTargetError);
    expect(ApoError.isInstance(error) && error.code).toBe("UNKNOWN_LORA_TARGET");
    const e = error as LoraTargetError;
    expect(e.target).toBe("qkv_proj");
    expect(e.message).toContain('"qkv_proj"');
    expect(e.message).toContain("model.layers.0.mlp.down_proj");
    expect(e.linearLayers).toHaveLength(7);
    // Non-linear modules (norms, the head) are not targets either.
    expect(() => loraModules(model, ["input_layernorm"])).toThrow(LoraTargetError);
    expect(() => loraModules(model, ["lm_head"])).toThrow(LoraTargetError);
  });
});
