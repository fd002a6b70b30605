import { describe, expect, it } from "vitest";
import { resolveTrainConfig } from "./resolve-train-config.js";
import { paperPreset } from "./train-options.js";

const paths = { model: "m", data: "d.jsonl", out: "runs/a" };

describe("resolveTrainConfig", () => {
  it("the paper preset is section 5.2 of the paper, and options override it", () => {
    const paper = resolveTrainConfig({ ...paths, preset: "paper" });
    expect(paper).toMatchObject({
      loss: "apo_zero",
      lossParams: { beta: 0.1 },
      optimizer: "rmsprop",
      lr: 2e-7,
      batchSize: 16,
      microBatchSize: 16,
      epochs: 18,
      saveEvery: "epoch",
      maxPromptLength: 512,
      maxCompletionLength: 512,
      warmupSteps: 0,
      cacheDir: "runs/a/reference-cache",
    });
    expect(resolveTrainConfig({ ...paperPreset, ...paths })).toEqual(paper);
    const down = resolveTrainConfig({
      ...paths,
      preset: "paper",
      loss: "apo_down",
      beta: 0.2,
      microBatchSize: 4,
    });
    expect(down).toMatchObject({ loss: "apo_down", lossParams: { beta: 0.2 }, lr: 2e-7, microBatchSize: 4 });
    expect(resolveTrainConfig(paths)).toMatchObject({ lr: 1e-6, batchSize: 8, epochs: 3, evalEvery: null });
  });

  it("names the field of every bad option", () => {
    const field = (options: object) => {
      try {
        resolveTrainConfig({ ...paths, ...options });
      } catch (error) {
        return (error as { field?: string }).field;
      }
      return "accepted";
    };
    expect(field({ preset: "icml" })).toBe("preset");
    expect(field({ optimizer: "lion" })).toBe("optimizer");
    expect(field({ warmupSteps: -1 })).toBe("warmupSteps");
    expect(field({ evalEvery: 0 })).toBe("evalEvery");
    expect(field({ saveEvery: 2.5 })).toBe("saveEvery");
    expect(field({ evalFraction: 1 })).toBe("evalFraction");
    expect(field({ maxPromptLength: 0 })).toBe("maxPromptLength");
    expect(field({ dtype: "float16" })).toBe("dtype");
    expect(field({ data: "" })).toBe("data");
    expect(field({ seed: 1.5 })).toBe("seed");
    expect(field({ lossParams: { gamma: 2 } })).toBe("lossParams.gamma");
    expect(field({ loss: "orpo", beta: 0.1 })).toBe("accepted");
    expect(field({ saveEvery: 100, evalEvery: 10 })).toBe("accepted");
    // Unpaired losses train too, with their own parameters.
    expect(resolveTrainConfig({ ...paths, loss: "kto", beta: 0.2 }).lossParams).toEqual({
      beta: 0.2,
      desirableWeight: 1,
      undesirableWeight: 1,
    });
    expect(field({ loss: "apo_zero_unpaired", lossParams: { gamma: 2 } })).toBe("lossParams.gamma");
  });

  it("a resumed run keeps its checkpoint's trajectory settings and may change where it writes", () => {
    const saved = resolveTrainConfig({ ...paths, lr: 1e-5, epochs: 2 });
    expect(resolveTrainConfig({}, saved)).toEqual(saved);
    expect(resolveTrainConfig({ out: "runs/b", evalEvery: 5 }, saved)).toMatchObject({
      out: "runs/b",
      evalEvery: 5,
      cacheDir: "runs/b/reference-cache",
      lr: 1e-5,
    });
    expect(() => resolveTrainConfig({ epochs: 3 }, saved)).toThrow(
      /epochs = 3 is invalid: expected 2 as in the checkpoint/,
    );
    expect(() => resolveTrainConfig({ beta: 0.5 }, saved)).toThrow(/lossParams/);
  });
});
