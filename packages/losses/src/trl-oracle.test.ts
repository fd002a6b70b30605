import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PairedLossResult } from "./batch.js";
import { getLoss } from "./compute-loss.js";
import type { LossDefinition, PairedLossDefinition } from "./definition.js";
import { runPairedLoss } from "./run-paired-loss.js";
import { runUnpairedLoss } from "./run-unpaired-loss.js";
import { partParams, weightedLossSum } from "./weighted-loss-sum.js";

// Values recorded from TRL 1.13 itself by oracle/trl_losses.py (DPOTrainer._compute_loss,
// CPOTrainer.get_batch_loss_metrics, KTOTrainer._compute_loss on float64 stand-in logits), which CI cannot
// run: the recorded batch holds the summed log-probs exactly as TRL computed them.

interface PairedFixtureBatch {
  policyChosen: number[];
  policyRejected: number[];
  referenceChosen: number[];
  referenceRejected: number[];
  chosenLength: number[];
  rejectedLength: number[];
}

interface UnpairedFixtureBatch {
  policy: number[];
  reference: number[];
  label: boolean[];
  policyMismatched: number[];
  referenceMismatched: number[];
}

interface Case {
  batch: string;
  trainer: "DPOTrainer" | "CPOTrainer" | "KTOTrainer";
  lossType: string[];
  lossWeights?: number[];
  beta: number;
  labelSmoothing?: number;
  discopopTau?: number;
  cpoAlpha?: number;
  simpoGamma?: number;
  desirableWeight?: number;
  undesirableWeight?: number;
  loss: number;
  /** ∂loss/∂c_i (of the batch loss TRL returns). */
  gradChosen?: number[];
  gradRejected?: number[];
  grad?: number[];
  rewardsChosen?: number;
  rewardsRejected?: number;
  kl?: number;
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/trl-1.13-losses.json", import.meta.url), "utf8"),
) as { trl: string; batches: Record<string, PairedFixtureBatch & UnpairedFixtureBatch>; cases: Case[] };

/** |a − b| ≤ rel·|b| + abs. */
function expectClose(actual: number, expected: number, rel: number, abs: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs TRL ${expected}`).toBeLessThanOrEqual(
    abs + rel * Math.abs(expected),
  );
}

/** TRL's shared config fields, as our parameters of `definition` (fields a loss does not read are left out). */
function paramsFor(definition: LossDefinition, c: Case): Record<string, number> {
  const shared: Record<string, number | undefined> = {
    beta: c.beta,
    labelSmoothing: c.labelSmoothing,
    tau: c.discopopTau,
    cpoAlpha: c.cpoAlpha,
    gamma: c.simpoGamma,
    desirableWeight: c.desirableWeight,
    undesirableWeight: c.undesirableWeight,
  };
  const defined = Object.fromEntries(Object.entries(shared).filter(([, v]) => v !== undefined));
  return partParams(definition, defined);
}

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

function label(c: Case): string {
  const extras = [
    c.lossWeights && c.lossType.length > 1 ? `weights ${c.lossWeights.join(",")}` : "",
    c.labelSmoothing ? `ε ${c.labelSmoothing}` : "",
    c.discopopTau !== undefined && c.discopopTau !== 0.05 ? `τ ${c.discopopTau}` : "",
    c.cpoAlpha !== undefined ? `cpo_alpha ${c.cpoAlpha}` : "",
    c.simpoGamma !== undefined && c.simpoGamma !== 0.5 ? `γ ${c.simpoGamma}` : "",
    c.desirableWeight !== undefined && c.desirableWeight !== 1 ? `w_d ${c.desirableWeight}` : "",
  ].filter(Boolean);
  return `${c.trainer} ${c.lossType.join("+")} β ${c.beta} ${extras.join(" ")} on ${c.batch}`;
}

describe(`losses equal TRL ${fixture.trl} (recorded by oracle/trl_losses.py)`, () => {
  it("covers every DPOTrainer loss_type, loss_weights, CPO sigmoid/simpo and both KTO losses", () => {
    const dpo = new Set(fixture.cases.filter((c) => c.trainer === "DPOTrainer").flatMap((c) => c.lossType));
    expect(dpo.size).toBe(15);
    expect(fixture.cases.some((c) => c.lossType.length > 1)).toBe(true);
    expect(new Set(fixture.cases.map((c) => c.trainer)).size).toBe(3);
  });

  const paired = fixture.cases.filter((c) => c.trainer !== "KTOTrainer");
  it.each(paired.map((c) => [label(c), c] as const))("%s", (_label, c) => {
    const batch = fixture.batches[c.batch] as PairedFixtureBatch;
    let result: PairedLossResult;
    if (c.trainer === "DPOTrainer") {
      const weights = c.lossWeights ?? c.lossType.map(() => 1);
      const definition: PairedLossDefinition =
        c.lossType.length === 1 && weights[0] === 1
          ? (getLoss(c.lossType[0] as string) as PairedLossDefinition)
          : weightedLossSum(
              c.lossType.map((name, k) => ({
                definition: getLoss(name) as PairedLossDefinition,
                weight: weights[k] as number,
              })),
            );
      result = runPairedLoss(definition, batch, paramsFor(definition, c));
    } else {
      // CPOTrainer: loss_type sigmoid is our `cpo`; no reference model.
      const definition = getLoss(c.lossType[0] === "sigmoid" ? "cpo" : "simpo") as PairedLossDefinition;
      const { referenceChosen: _c0, referenceRejected: _r0, ...referenceFree } = batch;
      result = runPairedLoss(definition, referenceFree, paramsFor(definition, c));
    }
    expectClose(result.loss, c.loss, 1e-12, 1e-15, "loss");
    const n = result.losses.length;
    for (let i = 0; i < n; i++) {
      // Our gradients are of the summed loss: divide by B for TRL's (mean) loss.
      expectClose(
        (result.gradChosen[i] as number) / n,
        c.gradChosen?.[i] as number,
        1e-12,
        1e-15,
        `∂/∂c[${i}]`,
      );
      expectClose(
        (result.gradRejected[i] as number) / n,
        c.gradRejected?.[i] as number,
        1e-12,
        1e-15,
        `∂/∂r[${i}]`,
      );
    }
    expectClose(mean(result.chosenRewards), c.rewardsChosen as number, 1e-12, 1e-15, "rewards/chosen");
    expectClose(mean(result.rejectedRewards), c.rewardsRejected as number, 1e-12, 1e-15, "rewards/rejected");
  });

  const unpaired = fixture.cases.filter((c) => c.trainer === "KTOTrainer");
  it.each(unpaired.map((c) => [label(c), c] as const))("%s", (_label, c) => {
    const batch = fixture.batches[c.batch] as UnpairedFixtureBatch;
    const definition = getLoss(c.lossType[0] as string);
    if (definition.kind !== "unpaired") throw new Error(`${definition.name} is not unpaired`);
    const result = runUnpairedLoss(definition, batch, paramsFor(definition, c));
    expectClose(result.loss, c.loss, 1e-12, 1e-15, "loss");
    expectClose(result.kl, c.kl as number, 1e-12, 1e-15, "kl");
    const n = result.losses.length;
    for (let i = 0; i < n; i++) {
      expectClose((result.grad[i] as number) / n, c.grad?.[i] as number, 1e-12, 1e-15, `∂/∂policy[${i}]`);
    }
  });
});
