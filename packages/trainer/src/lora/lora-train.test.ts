import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPretrainedModel } from "../models/pretrained-model.js";
import {
  type TinyTrainingSetup,
  writeTinyTrainingSetup,
  writeTinyUnpairedData,
} from "../testing/train-fixtures.js";
import { trainUntilStep } from "../testing/train-until-step.js";
import { train } from "../train/train.js";
import type { TrainOptions } from "../train/train-options.js";
import { loraAName, loraBName } from "./lora-config.js";
import { LoraTargetError } from "./lora-errors.js";
import { loraModules } from "./lora-modules.js";
import { LORA_DEFAULTS, type LoraOption } from "./lora-options.js";
import { loadLoraAdapter } from "./peft-adapter.js";

const quiet = { stream: null };

async function digest(file: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(file))
    .digest("hex");
}

describe("train() with LoRA (tiny Llama)", () => {
  let dir: string;
  let setup: TinyTrainingSetup;
  let options: TrainOptions;
  let losses: number[];
  let firstRewards: number[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-lora-train-"));
    setup = await writeTinyTrainingSetup(dir, 16);
    // 12 training pairs in batches of 4: 3 steps per epoch; RMSProp state matters on resume.
    options = {
      model: setup.modelDir,
      data: setup.dataFile,
      lr: 1e-2,
      epochs: 3,
      batchSize: 4,
      evalFraction: 0.25,
      evalEvery: 3,
      loss: "sigmoid",
      optimizer: "rmsprop",
      lora: { r: 4, alpha: 8, targets: ["q_proj", "v_proj", "down_proj"] },
      progress: quiet,
    };
    losses = [];
    firstRewards = [];
    await train({
      ...options,
      out: join(dir, "whole"),
      onStep: (r) => {
        losses.push(r.loss);
        if (r.step === 1) firstRewards.push(r.chosenReward, r.rejectedReward);
      },
    });
  }, 120_000);

  it("decreases the loss and raises the held-out reward margin", async () => {
    expect(losses).toHaveLength(9);
    const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
    expect(last).toBeLessThan(first - 0.05);
    // B = 0 and the reference is the same graph's forward with lora_scale 0: rewards exactly 0 (float32).
    expect(firstRewards).toEqual([0, 0]);
    expect(losses[0]).toBeCloseTo(Math.log(2), 6);
    const metrics = (await readFile(join(dir, "whole", "metrics.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { step: number; reward_margin: number });
    expect(metrics[0]).toMatchObject({ step: 0, reward_margin: 0 });
    expect(metrics.at(-1)?.reward_margin).toBeGreaterThan(0.05);
  });

  it("saves each checkpoint as a PEFT adapter (no model copy) that loads back with the trained B ≠ 0", async () => {
    const ckpt = join(dir, "whole", "checkpoint-9");
    expect(existsSync(join(ckpt, "adapter_config.json"))).toBe(true);
    expect(existsSync(join(ckpt, "adapter_model.safetensors"))).toBe(true);
    expect(existsSync(join(ckpt, "model.safetensors"))).toBe(false);
    const peft = JSON.parse(await readFile(join(ckpt, "adapter_config.json"), "utf8"));
    expect(peft).toMatchObject({ r: 4, lora_alpha: 8, peft_type: "LORA" });
    const base = await loadPretrainedModel(setup.modelDir);
    const adapter = await loadLoraAdapter(ckpt, { model: base });
    const modules = loraModules(base, ["q_proj", "v_proj", "down_proj"]);
    expect([...adapter.weights.keys()].sort()).toEqual(
      modules.flatMap((m) => [loraAName(m.module), loraBName(m.module)]).sort(),
    );
    for (const m of modules) {
      const b = (adapter.weights.get(loraBName(m.module))?.data ?? new Float32Array()) as Float32Array;
      expect(Array.from(b).some((v) => v !== 0)).toBe(true);
    }
    // The base model's folder is untouched (its weights were initializers, never outputs).
    const state = JSON.parse(await readFile(join(ckpt, "trainer_state.json"), "utf8"));
    expect(state.config.lora).toEqual({
      r: 4,
      alpha: 8,
      targets: ["q_proj", "v_proj", "down_proj"],
      rsLora: false,
    });
  });

  it("an interrupted LoRA run resumed mid-epoch ends with the same adapter and optimizer state", async () => {
    const out = join(dir, "interrupted");
    const stopped = await trainUntilStep({ ...options, out }, 4);
    expect(stopped).toMatchObject({ interrupted: true, step: 4 });
    const resumed = await train({ resumeFrom: out, progress: quiet });
    expect(resumed).toMatchObject({ interrupted: false, step: 9 });
    for (const f of ["adapter_model.safetensors", "optimizer.safetensors"]) {
      expect(await digest(join(out, "checkpoint-9", f)), f).toBe(
        await digest(join(dir, "whole", "checkpoint-9", f)),
      );
    }
    await expect(train({ resumeFrom: out, lora: { r: 8 }, progress: quiet })).rejects.toMatchObject({
      field: "lora",
    });
  }, 120_000);

  it.each(["kto", "apo_zero_unpaired"])(
    "an unpaired loss (%s) trains an adapter: first rewards exactly 0, the loss falls",
    async (loss) => {
      const data = await writeTinyUnpairedData(setup, join(dir, `${loss}.jsonl`));
      const rewards: number[] = [];
      const losses: number[] = [];
      const summary = await train({
        ...options,
        data,
        loss,
        out: join(dir, loss),
        onStep: (r) => {
          losses.push(r.loss);
          if (r.step === 1) rewards.push(r.chosenReward, r.rejectedReward);
        },
      });
      expect(rewards).toEqual([0, 0]);
      expect(losses.at(-1)).toBeLessThan(losses[0] as number);
      expect(existsSync(join(summary.checkpoints.at(-1) as string, "adapter_model.safetensors"))).toBe(true);
    },
    120_000,
  );

  it("lora: true takes the defaults; bad values name the parameter; an unknown target lists the linear layers", async () => {
    expect(LORA_DEFAULTS).toEqual({ r: 16, alpha: 32, targets: ["all-linear"], rsLora: false });
    const run = (lora: LoraOption, out: string) =>
      train({ ...options, lora, epochs: 1, out: join(dir, out) });
    await expect(run({ r: 0 }, "bad-r")).rejects.toMatchObject({ field: "lora.r" });
    await expect(run({ alpha: -1 }, "bad-alpha")).rejects.toMatchObject({ field: "lora.alpha" });
    const error = await run({ targets: ["q_prj"] }, "bad-target").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoraTargetError);
    expect((error as Error).message).toMatch(/q_prj/);
    expect((error as Error).message).toMatch(/gate_proj/);
    const summary = await run(true, "defaults");
    expect(summary.config.lora).toEqual(LORA_DEFAULTS);
  }, 120_000);
});
