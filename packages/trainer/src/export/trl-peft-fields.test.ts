import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exportTrl } from "./export-trl.js";
import { parseExportTrlArgs } from "./export-trl-command.js";
import { ExportTrlError } from "./export-trl-error.js";
import { trlPeftFields, trlTargetModules } from "./trl-peft-fields.js";
import { parseTrlYaml } from "./trl-yaml.js";

describe("trlPeftFields", () => {
  it("writes TRL 1.13's ModelConfig LoRA fields with dropout 0", () => {
    expect(trlPeftFields({ r: 16, alpha: 32, targets: ["q_proj", "v_proj"] })).toEqual({
      use_peft: true,
      lora_r: 16,
      lora_alpha: 32,
      lora_dropout: 0,
      lora_target_modules: ["q_proj", "v_proj"],
      use_rslora: false,
    });
    expect(trlPeftFields({ r: 4, alpha: 4, targets: ["all-linear"], rsLora: true })).toMatchObject({
      lora_target_modules: ["all-linear"],
      use_rslora: true,
    });
  });

  it("writes a single target as the full-match regex of PEFT's suffix rule (TRL unwraps one-element lists)", () => {
    const [pattern] = trlTargetModules(["self_attn.q_proj"]);
    expect(pattern).toBe(String.raw`(.*\.)?self_attn\.q_proj`);
    // Python's re.fullmatch and JavaScript's anchored RegExp agree on this pattern.
    const re = new RegExp(`^(?:${pattern})$`);
    expect(re.test("model.layers.3.self_attn.q_proj")).toBe(true);
    expect(re.test("self_attn.q_proj")).toBe(true);
    expect(re.test("model.layers.3.self_attnxq_proj")).toBe(false);
    expect(re.test("model.layers.3.cross_attn.q_proj")).toBe(false);
    expect(trlTargetModules(["v_proj", "v_proj"])).toEqual([String.raw`(.*\.)?v_proj`]);
    expect(trlTargetModules(["ALL-LINEAR"])).toEqual(["all-linear"]);
  });

  it("refuses a fractional alpha, which TRL's int field cannot take", () => {
    expect(() => trlPeftFields({ r: 8, alpha: 2.5, targets: ["q_proj"] })).toThrow(ExportTrlError);
    expect(() => trlPeftFields({ r: 8, alpha: 2.5, targets: ["q_proj"] })).toThrow(/lora\.alpha/);
  });
});

describe("apo export-trl with LoRA", () => {
  it("--lora* flags reach the config and the README; without them no PEFT field is written", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-trl-lora-"));
    const data = join(dir, "pairs.jsonl");
    await writeFile(data, `${JSON.stringify({ prompt: "Q", chosen: " A", rejected: " B" })}\n`);
    const options = parseExportTrlArgs([
      "--data",
      data,
      "--out",
      join(dir, "lora"),
      "--lora-r",
      "8",
      "--lora-targets",
      "q_proj,v_proj",
    ]);
    expect(options.lora).toEqual({ r: 8, targets: ["q_proj", "v_proj"] });
    const result = await exportTrl({ ...options, batchSize: 1 });
    const config = parseTrlYaml(await readFile(result.configFile, "utf8"));
    expect(config).toMatchObject({
      use_peft: true,
      lora_r: 8,
      lora_alpha: 32,
      lora_dropout: 0,
      lora_target_modules: ["q_proj", "v_proj"],
      use_rslora: false,
    });
    expect(await readFile(result.readme, "utf8")).toMatch(/LoRA adapter .*use_peft: true/s);
    const bare = await exportTrl({
      ...parseExportTrlArgs(["--data", data, "--out", join(dir, "full"), "--lora"]),
      batchSize: 1,
    });
    expect(bare.config).toMatchObject({ lora_r: 16, lora_alpha: 32, lora_target_modules: ["all-linear"] });
    const full = await exportTrl({ data, out: join(dir, "none"), batchSize: 1 });
    expect(Object.keys(full.config).some((k) => k.startsWith("lora") || k === "use_peft")).toBe(false);
    expect(await readFile(full.readme, "utf8")).not.toMatch(/LoRA/);
    await expect(exportTrl({ data, out: join(dir, "bad"), lora: { r: 0 } })).rejects.toThrow(/lora\.r/);
  });
});

describe("TRL 1.13 trains the LoRA exports (recorded by oracle/trl_config_keys.py)", () => {
  it("PEFT wrapped exactly the layers each export names, with its r, alpha, dropout 0 and rsLoRA", async () => {
    const recorded = JSON.parse(
      await readFile(new URL("../../test/fixtures/trl-1.13-config-keys.json", import.meta.url), "utf8"),
    ) as {
      exports: Record<
        string,
        {
          trained_steps: number;
          mismatched: string[];
          peft_adapter?: {
            r: number;
            lora_alpha: number;
            lora_dropout: number;
            use_rslora: boolean;
            wrapped_modules: string[];
          };
        }
      >;
    };
    const qProj = recorded.exports["dpo-apo-zero-lora-q-proj"]!;
    expect(qProj.trained_steps).toBe(1);
    expect(qProj.mismatched).toEqual([]);
    // The one-target regex matched the q_proj of TRL's one-layer test Llama, and nothing else.
    expect(qProj.peft_adapter).toEqual(
      expect.objectContaining({ r: 4, lora_alpha: 8, lora_dropout: 0, use_rslora: false }),
    );
    expect(qProj.peft_adapter?.wrapped_modules).toEqual(["model.layers.0.self_attn.q_proj"]);
    const all = recorded.exports["dpo-sigmoid-lora-all-linear-rslora"]!;
    expect(all.trained_steps).toBe(1);
    expect(all.peft_adapter).toEqual(expect.objectContaining({ r: 8, lora_alpha: 32, use_rslora: true }));
    expect(all.peft_adapter?.wrapped_modules.map((m) => m.split(".").at(-1)).sort()).toEqual([
      "down_proj",
      "gate_proj",
      "k_proj",
      "o_proj",
      "q_proj",
      "up_proj",
      "v_proj",
    ]);
  });
});
