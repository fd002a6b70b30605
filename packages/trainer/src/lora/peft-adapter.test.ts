import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTinyModel } from "../models/create-tiny-model.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { SeededRandom } from "../models/seeded-random.js";
import { readSafetensorsFile } from "../safetensors/read-safetensors.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { writeSafetensorsFile } from "../safetensors/write-safetensors.js";
import { initLoraWeights } from "./init-lora-weights.js";
import { type LoraConfig, loraAName, loraBName } from "./lora-config.js";
import { AdapterError } from "./lora-errors.js";
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  loadLoraAdapter,
  readAdapterConfig,
  saveLoraAdapter,
} from "./peft-adapter.js";

/** Adapters with nonzero A and B (a fresh init has B = 0, which would hide a transposed B). */
function randomAdapters(
  model: PretrainedModel,
  config: LoraConfig,
  seed: number,
  dtype: "float32" | "float64",
) {
  const rng = new SeededRandom(seed);
  const weights = initLoraWeights(model, config, seed, dtype);
  for (const t of weights.values()) {
    const data = t.data as Float32Array | Float64Array;
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 0.1;
  }
  return weights;
}

let dir: string;
let llama: PretrainedModel;
let gpt2: PretrainedModel;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "apo-peft-adapter-"));
  llama = await createTinyModel({ family: "llama", numLayers: 2 });
  gpt2 = await createTinyModel({ family: "gpt2", numLayers: 1 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function expectAdapterError(promise: Promise<unknown>, field: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AdapterError);
  expect((error as AdapterError).code).toBe("BAD_ADAPTER");
  expect((error as AdapterError).field).toBe(field);
  expect((error as AdapterError).message).toMatch(message);
}

describe("saveLoraAdapter / loadLoraAdapter", () => {
  it("writes PEFT's config keys and tensor names, and reads them back exactly in float64", async () => {
    const config: LoraConfig = { r: 3, alpha: 6, targets: ["q_proj", "v_proj"] };
    const weights = randomAdapters(llama, config, 1, "float64");
    const out = join(dir, "llama64");
    await saveLoraAdapter(out, { config, weights, model: llama, baseModel: "models/tiny" });
    const json = JSON.parse(await readFile(join(out, ADAPTER_CONFIG_FILE), "utf8")) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({
      peft_type: "LORA",
      task_type: "CAUSAL_LM",
      r: 3,
      lora_alpha: 6,
      target_modules: ["q_proj", "v_proj"],
      lora_dropout: 0,
      bias: "none",
      use_rslora: false,
      fan_in_fan_out: false,
      base_model_name_or_path: "models/tiny",
      use_dora: false,
      init_lora_weights: true,
    });
    const stored = await readSafetensorsFile(join(out, ADAPTER_WEIGHTS_FILE), { dtype: "float64" });
    expect([...stored.keys()]).toEqual([...weights.keys()]);
    expect([...stored.values()].every((t) => t.sourceDtype === "F64")).toBe(true);
    const loaded = await loadLoraAdapter(out, { model: llama });
    expect(loaded.config).toEqual(config);
    expect(loaded.baseModel).toBe("models/tiny");
    expect(loaded.modules.map((m) => m.module)).toEqual([
      "model.layers.0.self_attn.q_proj",
      "model.layers.0.self_attn.v_proj",
      "model.layers.1.self_attn.q_proj",
      "model.layers.1.self_attn.v_proj",
    ]);
    for (const [name, t] of weights) {
      expect(loaded.weights.get(name)?.data).toBeInstanceOf(Float64Array); // kept as saved: F64
      expect(loaded.weights.get(name)?.data).toEqual(t.data);
      expect(loaded.weights.get(name)?.shape).toEqual(t.shape);
    }
    // Asked for float32, it rounds; the stored dtype is remembered for a re-save.
    const narrowed = await loadLoraAdapter(out, { model: llama, dtype: "float32" });
    const a = narrowed.weights.get(loraAName("model.layers.0.self_attn.q_proj"))!;
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(a.sourceDtype).toBe("F64");
  });

  it("marks GPT-2's Conv1D adapters fan_in_fan_out, expands all-linear, writes rsLoRA, and keeps F32 as float32", async () => {
    const config: LoraConfig = { r: 2, alpha: 4, targets: ["all-linear"], rsLora: true };
    const weights = randomAdapters(gpt2, config, 2, "float32");
    const out = join(dir, "gpt2");
    await saveLoraAdapter(out, { config, weights, model: gpt2 });
    const json = JSON.parse(await readFile(join(out, ADAPTER_CONFIG_FILE), "utf8")) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({
      fan_in_fan_out: true,
      use_rslora: true,
      target_modules: ["c_attn", "c_fc", "c_proj"],
      base_model_name_or_path: null,
    });
    const loaded = await loadLoraAdapter(out, { model: gpt2 });
    expect(loaded.config).toEqual({ r: 2, alpha: 4, targets: ["c_attn", "c_fc", "c_proj"], rsLora: true });
    expect(loaded.modules.map((m) => [m.module, m.layout])).toEqual([
      ["transformer.h.0.attn.c_attn", "conv1d"],
      ["transformer.h.0.attn.c_proj", "conv1d"],
      ["transformer.h.0.mlp.c_fc", "conv1d"],
      ["transformer.h.0.mlp.c_proj", "conv1d"],
    ]);
    const b = loaded.weights.get(loraBName("transformer.h.0.attn.c_attn"))!;
    expect(b.shape).toEqual([96, 2]);
    expect(b.data).toBeInstanceOf(Float32Array);
    expect(b.data).toEqual(weights.get(loraBName("transformer.h.0.attn.c_attn"))!.data);
    // Without the base model, modules come from the tensors and fan_in_fan_out.
    const alone = await loadLoraAdapter(out);
    expect(alone.modules[0]).toMatchObject({ inFeatures: 32, outFeatures: 96, layout: "conv1d" });
  });

  it("refuses to save a tensor of the wrong shape or one no target names, before writing anything", async () => {
    const config: LoraConfig = { r: 2, alpha: 4, targets: ["q_proj"] };
    const weights = initLoraWeights(llama, config, 1);
    const name = loraBName("model.layers.1.self_attn.q_proj");
    const bad: WeightMap = new Map(weights).set(name, { shape: [2, 32], data: new Float32Array(64) });
    await expectAdapterError(
      saveLoraAdapter(join(dir, "bad"), { config, weights: bad, model: llama }),
      name,
      /\[2, 32\].*\[32, 2\]/,
    );
    expect(existsSync(join(dir, "bad"))).toBe(false);
    const extra = loraAName("model.layers.0.self_attn.k_proj");
    const more: WeightMap = new Map(weights).set(extra, { shape: [2, 32], data: new Float32Array(64) });
    await expectAdapterError(
      saveLoraAdapter(join(dir, "bad"), { config, weights: more, model: llama }),
      extra,
      /not an A or B/,
    );
  });
});

describe("loadLoraAdapter refuses what does not fit", () => {
  async function writeAdapter(
    name: string,
    json: Record<string, unknown>,
    tensors: WeightMap,
  ): Promise<string> {
    const out = join(dir, name);
    const { mkdir } = await import("node:fs/promises");
    await mkdir(out, { recursive: true });
    await writeFile(join(out, ADAPTER_CONFIG_FILE), JSON.stringify(json));
    await writeSafetensorsFile(join(out, ADAPTER_WEIGHTS_FILE), tensors);
    return out;
  }
  const q = "model.layers.0.self_attn.q_proj";
  const good = (): WeightMap =>
    new Map([
      [loraAName(q), { shape: [2, 32], data: new Float32Array(64).fill(0.5) }],
      [loraBName(q), { shape: [32, 2], data: new Float32Array(64).fill(0.25) }],
    ]);
  const base = { peft_type: "LORA", r: 2, lora_alpha: 4, target_modules: ["q_proj"] };

  it("tolerates unknown keys and PEFT's defaults for absent ones, as PEFT does", async () => {
    const out = await writeAdapter("unknown-keys", { ...base, some_future_key: 1, r: undefined }, new Map());
    await expectAdapterError(loadLoraAdapter(out, { model: llama }), ADAPTER_WEIGHTS_FILE, /no tensors/);
    const ok = await writeAdapter(
      "defaults",
      { peft_type: "LORA", target_modules: String.raw`.*\.layers\.0\.self_attn\.q_proj`, x: [1] },
      new Map([
        [loraAName(q), { shape: [8, 32], data: new Float32Array(256) }],
        [loraBName(q), { shape: [32, 8], data: new Float32Array(256) }],
      ]),
    );
    // r and lora_alpha default to 8; a string target_modules is a regex matched against the whole module
    // path (PEFT's rule), given back as the matched modules' names.
    const loaded = await loadLoraAdapter(ok, { model: llama });
    expect(loaded.config).toEqual({ r: 8, alpha: 8, targets: ["q_proj"] });
    const whole = await writeAdapter("regex-whole", { ...base, target_modules: "q_proj" }, good());
    await expectAdapterError(loadLoraAdapter(whole, { model: llama }), loraAName(q), /does not name/);
    expect((await readAdapterConfig(ok)).regex).toBe(true);
  });

  it("names r and lora_alpha when they are not positive, and refuses other PEFT types and features", async () => {
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("r0", { ...base, r: 0 }, good())),
      "r",
      /r = 0/,
    );
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("rf", { ...base, r: 1.5 }, good())),
      "r",
      /positive integer/,
    );
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("a0", { ...base, lora_alpha: -2 }, good())),
      "lora_alpha",
      /lora_alpha = -2/,
    );
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("ia3", { ...base, peft_type: "IA3" }, good())),
      "peft_type",
      /LORA/,
    );
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("dora", { ...base, use_dora: true }, good())),
      "use_dora",
      /DoRA/,
    );
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("rank", { ...base, rank_pattern: { q_proj: 4 } }, good())),
      "rank_pattern",
      /per-module ranks/,
    );
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("no-targets", { ...base, target_modules: [] }, good())),
      "target_modules",
      /non-empty/,
    );
    const broken = join(dir, "broken");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, ADAPTER_CONFIG_FILE), "{ not json");
    await expectAdapterError(
      loadLoraAdapter(broken),
      ADAPTER_CONFIG_FILE,
      /adapter_config\.json: cannot read/,
    );
  });

  it("names the tensor whose module or shape does not match the base model", async () => {
    await expect(
      loadLoraAdapter(await writeAdapter("fits", base, good()), { model: llama }),
    ).resolves.toBeDefined();
    // An adapter for a wider model: A is [2, 48], the base q_proj takes 32 inputs.
    const wide = good().set(loraAName(q), { shape: [2, 48], data: new Float32Array(96) });
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("wide", base, wide), { model: llama }),
      loraAName(q),
      /\[2, 48\].*\[2, 32\]/,
    );
    // r in the tensors differs from the config's.
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("rank-off", { ...base, r: 4 }, good()), { model: llama }),
      loraAName(q),
      /\[4, 32\]/,
    );
    // A module the base model lacks (a third layer on a two-layer model).
    const deep = "model.layers.2.self_attn.q_proj";
    const extra = good()
      .set(loraAName(deep), { shape: [2, 32], data: new Float32Array(64) })
      .set(loraBName(deep), { shape: [32, 2], data: new Float32Array(64) });
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("deep", base, extra), { model: llama }),
      loraAName(deep),
      /not a linear layer of the base model/,
    );
    // A GPT-2 adapter on a Llama.
    const gptName = "transformer.h.0.attn.c_attn";
    const onGpt = new Map([
      [loraAName(gptName), { shape: [2, 32], data: new Float32Array(64) }],
      [loraBName(gptName), { shape: [96, 2], data: new Float32Array(192) }],
    ]);
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("gpt-on-llama", { ...base, target_modules: ["c_attn"] }, onGpt), {
        model: llama,
      }),
      loraAName(gptName),
      /model\.layers\.0\.self_attn\.q_proj/,
    );
    // A tensor no target names, a half module, and a non-LoRA tensor.
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("untargeted", { ...base, target_modules: ["v_proj"] }, good()), {
        model: llama,
      }),
      loraAName(q),
      /does not name/,
    );
    const half = good();
    half.delete(loraBName(q));
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("half", base, half), { model: llama }),
      loraBName(q),
      /both A and B/,
    );
    const odd = good().set("base_model.model.lm_head.weight", { shape: [2], data: new Float32Array(2) });
    await expectAdapterError(
      loadLoraAdapter(await writeAdapter("odd", base, odd), { model: llama }),
      "base_model.model.lm_head.weight",
      /not a LoRA weight/,
    );
  });
});
