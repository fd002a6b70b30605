import { getLoss } from "@apo/losses/define";
import { describe, expect, it } from "vitest";
import { ExportTrlError } from "./export-trl-error.js";
import { type TrlTrainingSettings, trlConfig, trlLossType } from "./trl-config.js";

function settings(losses: string[], over: Partial<TrlTrainingSettings> = {}): TrlTrainingSettings {
  return {
    model: "org/model",
    datasetDir: "data",
    outputDir: "output",
    losses: losses.map((l) => getLoss(l)),
    lossParams: {},
    lr: 1e-6,
    warmupSteps: 0,
    epochs: 3,
    batchSize: 8,
    perDeviceBatchSize: 4,
    gpus: 1,
    maxGradNorm: 1,
    maxLength: 1024,
    truncationMode: "keep_start",
    seed: 42,
    hasEval: false,
    ...over,
  };
}

describe("trlConfig", () => {
  it("writes TRL 1.13's fields only: max_length and truncation_mode, float32, no removed keys", () => {
    const { trainer, config, warnings } = trlConfig(settings(["apo_zero"]));
    expect(trainer).toBe("dpo");
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      loss_type: "apo_zero",
      beta: 0.1,
      max_length: 1024,
      truncation_mode: "keep_start",
      dtype: "float32",
      bf16: false,
      tf32: false,
      env: { ACCELERATE_MIXED_PRECISION: "no" },
    });
    for (const gone of ["max_prompt_length", "max_completion_length", "label_smoothing", "loss_weights"]) {
      expect(config).not.toHaveProperty(gone);
    }
  });

  it("spells aot_pair as TRL's aot_unpaired and has sigmoid_norm", () => {
    expect(trlLossType("aot_pair")).toBe("aot_unpaired");
    expect(trlConfig(settings(["aot_pair"])).config).toMatchObject({
      loss_type: "aot_unpaired",
      label_smoothing: 0,
    });
    expect(trlConfig(settings(["sigmoid_norm"])).config.loss_type).toBe("sigmoid_norm");
  });

  it("drops label_smoothing for sigmoid (TRL 1.13 ignores it) with a warning, keeps it for robust", () => {
    const plain = trlConfig(settings(["sigmoid"]));
    expect(plain.config).not.toHaveProperty("label_smoothing");
    expect(plain.warnings).toEqual([]);
    // sigmoid's cDPO smoothing: its one parameter besides beta.
    const cdpo = Object.keys(getLoss("sigmoid").defaults).find((k) => k !== "beta") ?? "";
    expect(cdpo).toMatch(/abelSmoothing$/);
    const smoothed = trlConfig(settings(["sigmoid"], { lossParams: { [cdpo]: 0.1 } }));
    expect(smoothed.config).not.toHaveProperty("label_smoothing");
    expect(smoothed.warnings).toEqual([
      expect.stringMatching(new RegExp(`^${cdpo} = 0\\.1 is not exported: TRL 1\\.13's sigmoid ignores`)),
    ]);
    const robust = trlConfig(settings(["robust"], { lossParams: { labelSmoothing: 0.1 } }));
    expect(robust.config).toMatchObject({ loss_type: "robust", label_smoothing: 0.1 });
    expect(robust.warnings).toEqual([]);
  });

  it("writes several losses as a loss_type list with loss_weights, sharing their parameters", () => {
    const { config } = trlConfig(settings(["sigmoid", "sft"], { lossParams: { beta: 0.2 } }));
    expect(config).toMatchObject({ loss_type: ["sigmoid", "sft"], loss_weights: [1, 1], beta: 0.2 });
    const weighted = trlConfig(settings(["sigmoid", "sft"], { lossWeights: [1, 0.5] })).config;
    expect(weighted.loss_weights).toEqual([1, 0.5]);
    expect(trlConfig(settings(["ipo"], { lossWeights: [2] })).config).toMatchObject({
      loss_type: ["ipo"],
      loss_weights: [2],
    });
    // exo_pair's default ε is 0.001, robust's 0: TRL has one label_smoothing, so the user must pick it.
    const conflict = () => trlConfig(settings(["exo_pair", "robust"]));
    expect(conflict).toThrow(ExportTrlError);
    expect(conflict).toThrow(/lossParams\.labelSmoothing.*one label_smoothing for every loss_type/);
    expect(
      trlConfig(settings(["exo_pair", "robust"], { lossParams: { labelSmoothing: 0.01 } })).config,
    ).toMatchObject({ label_smoothing: 0.01 });
    expect(() => trlConfig(settings(["sigmoid", "sft"], { lossWeights: [1] }))).toThrow(/lossWeights/);
  });

  it("refuses what TRL cannot run, naming the option", () => {
    const field = (s: TrlTrainingSettings) => {
      try {
        trlConfig(s);
      } catch (error) {
        return (error as ExportTrlError).field;
      }
      return undefined;
    };
    expect(field(settings(["simpo"]))).toBe("loss");
    expect(field(settings(["kto", "apo_zero_unpaired"]))).toBe("loss");
    expect(field(settings(["sigmoid", "kto"]))).toBe("loss");
    expect(field(settings(["kto"], { lossWeights: [1] }))).toBe("lossWeights");
    expect(field(settings(["bco_pair"], { lossParams: { delta: 0.5 } }))).toBe("lossParams.delta");
    expect(field(settings(["hinge"], { lossParams: { tau: 0.5 } }))).toBe("lossParams.tau");
    expect(field(settings(["apo_zero"], { batchSize: 6 }))).toBe("batchSize");
    expect(field(settings(["kto"], { perDeviceBatchSize: 1 }))).toBe("perDeviceBatchSize");
    expect(field(settings(["kto"], { truncationMode: "keep_end" }))).toBe("truncationMode");
  });

  it("KTO: no truncation_mode, sequential order for kto (with a warning), random for apo_zero_unpaired", () => {
    const kto = trlConfig(settings(["kto"], { lossParams: { undesirableWeight: 1.5 } }));
    expect(kto.trainer).toBe("kto");
    expect(kto.config).toMatchObject({
      loss_type: "kto",
      desirable_weight: 1,
      undesirable_weight: 1.5,
      train_sampling_strategy: "sequential",
      max_length: 1024,
    });
    expect(kto.config).not.toHaveProperty("truncation_mode");
    expect(kto.warnings).toEqual([expect.stringMatching(/file order every epoch/)]);
    const unpaired = trlConfig(settings(["apo_zero_unpaired"], { perDeviceBatchSize: 1, batchSize: 2 }));
    expect(unpaired.config).toMatchObject({
      train_sampling_strategy: "random",
      per_device_train_batch_size: 1,
    });
    expect(unpaired.warnings).toEqual([]);
  });
});
