import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dpoLoss, sftLoss } from "@apo/losses";
import { runPairedLoss } from "@apo/losses/define";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { type TinyTrainingSetup, writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { TrainConfigError } from "../train-step/train-config-error.js";
import { resolveLossDefinition } from "./loss-definition.js";
import { resolveTrainConfig } from "./resolve-train-config.js";
import { type TrainSummary, train } from "./train.js";
import { parseTrainArgs } from "./train-command.js";

// Several loss_types with loss_weights (TRL's MPO), from the command line, the config and a real run.

const paths = { model: "m", data: "d.jsonl", out: "runs/a" };

describe("a list of losses with weights", () => {
  it("apo train --loss sigmoid,sft --loss-weights 1,0.5 --loss-param NAME=VALUE", () => {
    const { options } = parseTrainArgs([
      ...["--loss", "sigmoid,sft", "--loss-weights", "1,0.5"],
      ...["--loss-param", "cdpoLabelSmoothing=0.1", "--loss-param", "beta=0.2"],
    ]);
    expect(options).toMatchObject({
      loss: ["sigmoid", "sft"],
      lossWeights: [1, 0.5],
      lossParams: { cdpoLabelSmoothing: 0.1, beta: 0.2 },
    });
    expect(parseTrainArgs(["--loss", "apo_down"]).options.loss).toBe("apo_down");
    expect(() => parseTrainArgs(["--loss-weights", "1,x"])).toThrow(/--loss-weights/);
    expect(() => parseTrainArgs(["--loss", "sigmoid,,sft"])).toThrow(/--loss/);
    expect(() => parseTrainArgs(["--loss-param", "beta"])).toThrow(/--loss-param/);
  });

  it("resolves to one weighted sum whose config records the names and weights", () => {
    const config = resolveTrainConfig({ ...paths, loss: ["sigmoid", "sft"], lossWeights: [1, 0.5] });
    expect(config).toMatchObject({
      loss: ["sigmoid", "sft"],
      lossWeights: [1, 0.5],
      lossParams: { beta: 0.1, cdpoLabelSmoothing: 0 },
    });
    // One loss keeps the config as before; weights without a list are TRL's [w] for one loss_type.
    expect(resolveTrainConfig(paths)).toMatchObject({ loss: "apo_zero", lossWeights: null });
    expect(resolveTrainConfig({ ...paths, loss: "sigmoid", lossWeights: [2] })).toMatchObject({
      loss: ["sigmoid"],
      lossWeights: [2],
    });
    // The shared parameters go to the losses that have them (labelSmoothing: AOT's, not sigmoid's).
    const shared = resolveTrainConfig({
      ...paths,
      loss: ["sigmoid", "aot"],
      lossParams: { labelSmoothing: 0.2 },
    });
    expect(shared.lossParams).toEqual({ beta: 0.1, cdpoLabelSmoothing: 0, labelSmoothing: 0.2 });
    const field = (options: object) => {
      try {
        resolveTrainConfig({ ...paths, ...options });
      } catch (error) {
        if (error instanceof TrainConfigError) return error.field;
        throw error;
      }
      return "accepted";
    };
    expect(field({ loss: ["sigmoid", "sft"], lossWeights: [1] })).toBe("lossWeights");
    expect(field({ loss: ["sigmoid", "sft"], lossWeights: [1, Number.NaN] })).toBe("lossWeights");
    expect(field({ loss: ["sigmoid", "kto"] })).toBe("loss");
    expect(field({ loss: ["sigmoid", "nope"] })).toBe("loss[1]");
    expect(field({ loss: ["sigmoid", "sft"], lossParams: { tau: 1 } })).toBe("lossParams.tau");
  });

  it("a resumed run keeps its losses and weights; a deprecated name resumes as TRL's", () => {
    const saved = resolveTrainConfig({ ...paths, loss: ["sigmoid", "sft"], lossWeights: [1, 0.5] });
    expect(resolveTrainConfig({}, saved)).toEqual(saved);
    expect(() => resolveTrainConfig({ lossWeights: [1, 0.4] }, saved)).toThrow(/lossWeights/);
    const old = { ...resolveTrainConfig({ ...paths, loss: "aot_unpaired" }), loss: "aot_pair" };
    // The deprecated name warns once per process: checked here rather than printed.
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    expect(resolveTrainConfig({}, old).loss).toBe("aot_unpaired");
    expect(resolveLossDefinition("aot_pair").name).toBe("aot_unpaired");
    expect(warn.mock.calls.map((call) => String(call[0]))).toEqual([
      'loss "aot_pair" is deprecated: it is TRL\'s "aot_unpaired", and runs record that name',
    ]);
    warn.mockRestore();
  });

  describe("train", () => {
    let dir: string;
    let setup: TinyTrainingSetup;
    let summary: TrainSummary;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "apo-train-list-"));
      setup = await writeTinyTrainingSetup(dir, 8);
      summary = await train({
        model: setup.modelDir,
        data: setup.dataFile,
        out: join(dir, "run"),
        loss: ["sigmoid", "sft"],
        lossWeights: [1, 0.5],
        lr: 1e-3,
        epochs: 1,
        batchSize: 2,
        evalFraction: 0.25,
        dtype: "float64",
        progress: { stream: null },
      });
    }, 60_000);

    it("trains Σₖ wₖ·mean Lₖ, reports β·Δ rewards, and records the list in its checkpoint", async () => {
      expect(summary.config).toMatchObject({ loss: ["sigmoid", "sft"], lossWeights: [1, 0.5] });
      const state = JSON.parse(
        await readFile(join(summary.checkpoints.at(-1) as string, "trainer_state.json"), "utf8"),
      );
      expect(state.config).toMatchObject({ loss: ["sigmoid", "sft"], lossWeights: [1, 0.5] });
      const start = summary.metrics[0];
      const end = summary.metrics.at(-1);
      if (start === undefined || end === undefined) throw new Error("no evaluations");
      // At step 0 the policy is the reference: β·Δ rewards are 0, the loss is ln 2 + 0.5·(token-mean NLL).
      expect(start).toMatchObject({ step: 0, chosen_reward: 0, rejected_reward: 0 });
      expect(start.loss).toBeGreaterThan(Math.LN2);
      expect(end.chosen_reward).toBeCloseTo(0.1 * (end.chosen_logp - start.chosen_logp), 10);
      expect(end.loss).toBeLessThan(start.loss);
    });
  });

  it("the sum's batch loss is dpo + 0.5·(−Σc/Σℓc), with per-pair gradients dpo − 0.5/mean(ℓc)", () => {
    const batch = {
      policyChosen: [-12, -30, -7],
      policyRejected: [-14, -29, -9],
      referenceChosen: [-12.5, -31, -7],
      referenceRejected: [-13, -29.5, -8],
      chosenLength: [4, 10, 2],
      rejectedLength: [5, 9, 3],
    };
    const sum = resolveLossDefinition(["sigmoid", "sft"], [1, 0.5]);
    if (sum.kind !== "paired") throw new Error("paired");
    expect(sum.name).toBe("sigmoid,sft");
    expect(sum.defaults).toEqual({ beta: 0.1, cdpoLabelSmoothing: 0 });
    expect(resolveLossDefinition(["sigmoid"]).name).toBe("sigmoid");
    const result = runPairedLoss(sum, batch);
    const dpo = dpoLoss(batch);
    expect(sftLoss(batch).loss).toBeCloseTo(49 / 16, 14);
    expect(result.loss).toBeCloseTo(dpo.loss + 0.5 * (49 / 16), 14);
    for (let i = 0; i < 3; i++) {
      expect(result.gradChosen[i]).toBeCloseTo((dpo.gradChosen[i] as number) - 0.5 / (16 / 3), 14);
      expect(result.gradRejected[i]).toBeCloseTo(dpo.gradRejected[i] as number, 14);
    }
    expect(result.chosenRewards).toEqual(dpo.chosenRewards);
  });
});
