import { apoAnchoredLoss, apoZeroLoss, apoZeroUnpairedLoss, dpoLoss, ktoLoss } from "@apo/losses";
import {
  definePairedLoss,
  getLoss,
  type PairedLossDefinition,
  runPairedLoss,
  weightedLossSum,
} from "@apo/losses/define";
import { beforeAll, describe, expect, it } from "vitest";
import { type PackedBatch, packSequences } from "../logprobs/pack-sequences.js";
import { createTinyModel } from "../models/create-tiny-model.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { stepFiniteDifferences } from "../testing/step-finite-differences.js";
import { TWO_PAIR_ROWS, twoPairBatch } from "../testing/two-pair-batch.js";
import { TrainConfigError } from "./train-config-error.js";
import { TrainStepSession } from "./train-step-session.js";

// Two pairs: chosen rows first, then the rejected rows of the same prompts.
const pack = twoPairBatch;
const rows = TWO_PAIR_ROWS.map((r) => ({ promptIds: [...r.promptIds], completionIds: [...r.completionIds] }));

function copy(a: ArrayLike<number>): number[] {
  return Array.from(a);
}

describe.each(["llama", "gpt2"] as const)("training step (%s, float64)", (family) => {
  let model: PretrainedModel;
  let batch: PackedBatch;
  let reference: number[];

  beforeAll(async () => {
    model = await createTinyModel({
      family,
      seed: 3,
      hiddenSize: 16,
      numLayers: 1,
      numHeads: 2,
      intermediateSize: 24,
    });
    batch = pack(model);
    const probe = await TrainStepSession.create(model, { dtype: "float64", optimizer: "sgd" });
    // Reference = the policy at initialisation, shifted so that Δ ≠ 0 and the loss is not at a symmetric point.
    reference = copy((await probe.step(batch, [0, 0, 0, 0], 0)).policyLogp).map(
      (v, i) => v + [0.3, -0.2, 0.5, -0.4][i]!,
    );
    await probe.release();
  });

  it("reports the loss the JavaScript function computes from the same log-probs", async () => {
    const s = await TrainStepSession.create(model, {
      dtype: "float64",
      loss: "sigmoid",
      lossParams: { beta: 0.5 },
    });
    const out = await s.step(batch, reference, 0);
    const p = copy(out.policyLogp);
    const js = dpoLoss(
      {
        policyChosen: p.slice(0, 2),
        policyRejected: p.slice(2),
        referenceChosen: reference.slice(0, 2),
        referenceRejected: reference.slice(2),
      },
      { beta: 0.5 },
    );
    expect(out.loss).toBeCloseTo(js.loss, 12);
    expect(copy(out.tokens)).toEqual([3, 4, 2, 2]);
    await s.release();
  });

  // sft, cpo and simpo couple the pairs through the batch's token-mean NLL; the sums are TRL's loss_type
  // lists with loss_weights (AOT's sorting and SFT's batch mean in one objective).
  const rpo = weightedLossSum([
    { definition: getLoss("sigmoid"), weight: 1 },
    { definition: getLoss("sft"), weight: 0.5 },
  ]);
  const mixed = weightedLossSum([
    { definition: getLoss("apo_zero"), weight: 1 },
    { definition: getLoss("aot"), weight: 2 },
    { definition: getLoss("sft"), weight: 0.3 },
  ]);
  // apo_anchored reads per-pair anchors: the graph takes them as its `anchor_down` input.
  const anchoredSft = weightedLossSum([
    { definition: getLoss("apo_anchored"), weight: 1 },
    { definition: getLoss("sft"), weight: 0.3 },
  ]);
  const anchors = [0.3, 1];
  it.each(
    [
      ...["apo_zero", "apo_down", "apo_anchored", "sigmoid", "aot", "aot_unpaired", "sft", "cpo", "simpo"],
      ...[rpo, mixed, anchoredSft],
    ].map((loss) => [typeof loss === "string" ? loss : loss.name, loss] as const),
  )(
    "one SGD step (lr 1, no clipping: θ − θ' = ∇L) equals finite differences of the JS %s loss on the graph's log-probs",
    async (_name, loss) => {
      const definition = typeof loss === "string" ? (getLoss(loss) as PairedLossDefinition) : loss;
      const s = await TrainStepSession.create(model, {
        dtype: "float64",
        loss: definition,
        optimizer: "sgd",
        maxGradNorm: Number.POSITIVE_INFINITY,
      });
      const anchorDown = definition.usesAnchorDown ? anchors : undefined;
      // The objective as @apo/losses computes it from the log-probs (and token counts) the graph returns.
      const lossAt = async () => {
        const out = await s.step(batch, reference, 0, undefined, anchorDown);
        const p = copy(out.policyLogp);
        const tokens = copy(out.tokens);
        return runPairedLoss(definition, {
          policyChosen: p.slice(0, 2),
          policyRejected: p.slice(2),
          referenceChosen: reference.slice(0, 2),
          referenceRejected: reference.slice(2),
          chosenLength: tokens.slice(0, 2),
          rejectedLength: tokens.slice(2),
          ...(anchorDown === undefined ? {} : { anchorDown }),
        }).loss;
      };
      const { result: base, coordinates } = await stepFiniteDifferences(
        s,
        () => s.step(batch, reference, 1, undefined, anchorDown),
        lossAt,
      );
      for (const { name, index, grad, fd } of coordinates) {
        expect(Math.abs(grad - fd), `${name}[${index}]: ${grad} vs ${fd}`).toBeLessThanOrEqual(
          1e-7 + 1e-6 * Math.abs(fd),
        );
      }
      expect(coordinates.length).toBeGreaterThan(10);
      expect(base.gradNorm).toBeGreaterThan(0);
      await s.release();
    },
  );

  it("apo_anchored: the graph's per-pair losses and gradients are the JS definition's, a = 0 is apo_zero", async () => {
    const anchored = await TrainStepSession.create(model, {
      dtype: "float64",
      loss: "apo_anchored",
      optimizer: "sgd",
      maxGradNorm: Number.POSITIVE_INFINITY,
    });
    const inputs = anchored.artifact.model.graph.inputs.map((i) => i.name);
    expect(inputs).toContain("anchor_down");
    const out = await anchored.step(batch, reference, 0, undefined, anchors);
    const p = copy(out.policyLogp);
    const js = apoAnchoredLoss({
      policyChosen: p.slice(0, 2),
      policyRejected: p.slice(2),
      referenceChosen: reference.slice(0, 2),
      referenceRejected: reference.slice(2),
      anchorDown: anchors,
    });
    expect(out.loss).toBeCloseTo(js.loss, 12);
    for (const [i, l] of copy(out.losses).entries()) expect(l).toBeCloseTo(js.losses[i] as number, 12);
    // All anchors 0: one SGD step moves the weights exactly as apo_zero's (float64).
    const zero = await TrainStepSession.create(model, {
      dtype: "float64",
      loss: "apo_zero",
      optimizer: "sgd",
      maxGradNorm: Number.POSITIVE_INFINITY,
    });
    expect(zero.artifact.model.graph.inputs.map((i) => i.name)).not.toContain("anchor_down");
    await anchored.step(batch, reference, 1, undefined, [0, 0]);
    await zero.step(batch, reference, 1);
    for (const [name, w] of zero.weights) {
      const a = anchored.weights.get(name) as Float64Array;
      for (let i = 0; i < w.length; i++)
        expect(Math.abs((a[i] as number) - (w[i] as number))).toBeLessThanOrEqual(1e-15);
    }
    await expect(anchored.step(batch, reference, 0)).rejects.toMatchObject({ field: "anchorDown" });
    await expect(anchored.step(batch, reference, 0, undefined, [0])).rejects.toMatchObject({
      field: "anchorDown",
    });
    await expect(anchored.step(batch, reference, 0, undefined, [0, 1.5])).rejects.toMatchObject({
      field: "anchorDown[1]",
      value: 1.5,
    });
    await anchored.release();
    await zero.release();
  });

  it("clips the global norm and applies RMSProp and AdamW as PyTorch defines them", async () => {
    const sgd = await TrainStepSession.create(model, {
      dtype: "float64",
      optimizer: "sgd",
      maxGradNorm: Number.POSITIVE_INFINITY,
    });
    const w0 = new Map([...sgd.weights].map(([k, v]) => [k, Float64Array.from(v)]));
    const { gradNorm } = await sgd.step(batch, reference, 1);
    const grad = new Map(
      [...w0].map(([k, v]) => [k, v.map((x, i) => x - (sgd.weights.get(k)?.[i] as number))]),
    );
    let sq = 0;
    for (const g of grad.values()) for (const v of g) sq += v * v;
    expect(gradNorm).toBeCloseTo(Math.sqrt(sq), 10);

    const maxNorm = gradNorm / 4;
    const clip = maxNorm / (gradNorm + 1e-6);
    const lr = 0.01;
    const rms = await TrainStepSession.create(model, {
      dtype: "float64",
      optimizer: "rmsprop",
      maxGradNorm: maxNorm,
    });
    const adam = await TrainStepSession.create(model, {
      dtype: "float64",
      optimizer: "adamw",
      maxGradNorm: maxNorm,
    });
    await rms.step(batch, reference, lr);
    await adam.step(batch, reference, lr);
    for (const [name, g] of grad) {
      const w = w0.get(name) as Float64Array;
      for (const i of [0, g.length - 1]) {
        const gi = (g[i] as number) * clip;
        const v = 0.01 * gi * gi; // (1 − 0.99)·g²
        expect(rms.weights.get(name)?.[i]).toBeCloseTo(
          (w[i] as number) - (lr * gi) / (Math.sqrt(v) + 1e-8),
          10,
        );
        const m = 0.1 * gi;
        const v2 = 0.001 * gi * gi;
        const expected =
          (w[i] as number) * (1 - lr * 0.01) - (lr * (m / 0.1)) / (Math.sqrt(v2 / 0.001) + 1e-8);
        expect(adam.weights.get(name)?.[i]).toBeCloseTo(expected, 10);
      }
    }
    for (const s of [sgd, rms, adam]) await s.release();
  });
});

describe("unpaired losses (KTO format)", () => {
  it("KTO: loss from the KL of the mismatched rows; gradients equal finite differences with the KL detached", async () => {
    const model = await createTinyModel({
      family: "llama",
      seed: 6,
      hiddenSize: 16,
      numLayers: 1,
      numHeads: 2,
      intermediateSize: 24,
    });
    // Rows: two completions, then the same completions under the other prompt (mismatched).
    const batch = pack(model);
    const reference = [-30, -35, -18, -16];
    const labels = [true, false];
    const s = await TrainStepSession.create(model, {
      dtype: "float64",
      loss: "kto",
      optimizer: "sgd",
      maxGradNorm: Number.POSITIVE_INFINITY,
    });
    const out = await s.step(batch, reference, 0, labels);
    const p = copy(out.policyLogp);
    const js = ktoLoss({
      policy: p.slice(0, 2),
      reference: reference.slice(0, 2),
      label: labels,
      policyMismatched: p.slice(2),
      referenceMismatched: reference.slice(2),
    });
    expect(out.loss).toBeCloseTo(js.loss, 12);
    const name = "model.layers.0.mlp.up_proj.weight";
    const w0 = Float64Array.from(s.weights.get(name) as Float64Array);
    await s.step(batch, reference, 1, labels);
    const grad = w0.map((v, i) => v - (s.weights.get(name)?.[i] as number));
    // The KL point is detached: differentiate the loss with the KL held at its value at the base point.
    const detached = async (session: TrainStepSession) => {
      const logp = copy((await session.step(batch, reference, 0, labels)).policyLogp);
      return ktoLoss({ policy: logp.slice(0, 2), reference: reference.slice(0, 2), label: labels, kl: js.kl })
        .loss;
    };
    const fresh = await TrainStepSession.create(model, { dtype: "float64", loss: "kto", optimizer: "sgd" });
    const probe = fresh.weights.get(name) as Float64Array;
    for (const i of [0, 7, w0.length - 1]) {
      const h = 1e-5;
      probe[i] = (w0[i] as number) + h;
      const up = await detached(fresh);
      probe[i] = (w0[i] as number) - h;
      const down = await detached(fresh);
      probe[i] = w0[i] as number;
      const fd = (up - down) / (2 * h);
      expect(Math.abs((grad[i] as number) - fd)).toBeLessThanOrEqual(1e-7 + 1e-6 * Math.abs(fd));
    }
    await s.release();
    await fresh.release();
  });

  it("APO-zero-unpaired needs no mismatched rows and matches the JavaScript loss", async () => {
    const model = await createTinyModel({ family: "gpt2", seed: 6 });
    const batch = pack(model);
    const reference = [-30, -35, -18, -16];
    const labels = [true, false, false, true];
    const s = await TrainStepSession.create(model, { dtype: "float64", loss: "apo_zero_unpaired" });
    const out = await s.step(batch, reference, 0, labels);
    const js = apoZeroUnpairedLoss({ policy: copy(out.policyLogp), reference, label: labels });
    expect(out.loss).toBeCloseTo(js.loss, 12);
    await s.release();
  });
});

describe("gradient accumulation", () => {
  it("two micro-batches of one pair make the same update as one batch of both pairs", async () => {
    const model = await createTinyModel({
      family: "llama",
      seed: 8,
      hiddenSize: 16,
      numLayers: 1,
      numHeads: 2,
      intermediateSize: 24,
    });
    const limits = { padId: 0, maxLength: model.config.maxPositions, vocabSize: model.config.vocabSize };
    const whole = packSequences(rows, limits);
    const first = packSequences([rows[0]!, rows[2]!], limits);
    const second = packSequences([rows[1]!, rows[3]!], limits);
    const reference = [-30, -41, -20, -22];
    const options = { dtype: "float64", optimizer: "adamw", maxGradNorm: 0.5 } as const;
    const one = await TrainStepSession.create(model, options);
    const acc = await TrainStepSession.create(model, { ...options, accumulationSteps: 2 });
    const full = await one.step(whole, reference, 0.01);
    const parts = await acc.stepAccumulated(
      [
        { batch: first, referenceLogp: [reference[0]!, reference[2]!] },
        { batch: second, referenceLogp: [reference[1]!, reference[3]!] },
      ],
      0.01,
    );
    expect((parts[0]!.loss + parts[1]!.loss) / 2).toBeCloseTo(full.loss, 12);
    expect(parts[1]!.gradNorm).toBeCloseTo(full.gradNorm, 10);
    for (const [name, w] of one.weights) {
      const a = acc.weights.get(name) as Float64Array;
      for (let i = 0; i < w.length; i += Math.max(1, Math.floor(w.length / 7)))
        expect(a[i]).toBeCloseTo(w[i] as number, 12);
    }
    expect(acc.steps).toBe(1);
    await expect(one.stepAccumulated([{ batch: first, referenceLogp: [0, 0] }], 0.01)).rejects.toMatchObject({
      field: "accumulationSteps",
    });
    await one.release();
    await acc.release();
  });
});

describe("training step (float32)", () => {
  it("APO-zero with RMSProp raises the chosen and lowers the rejected log-likelihood", async () => {
    const model = await createTinyModel({ family: "llama", seed: 5 });
    const batch = pack(model);
    const s = await TrainStepSession.create(model, { loss: "apo_zero", optimizer: "rmsprop" });
    const first = await s.step(batch, [0, 0, 0, 0], 0);
    const reference = copy(first.policyLogp);
    let last = first;
    for (let k = 0; k < 5; k++) last = await s.step(batch, reference, 1e-3);
    last = await s.step(batch, reference, 0);
    const p = copy(last.policyLogp);
    expect(p[0]! + p[1]!).toBeGreaterThan(reference[0]! + reference[1]!);
    expect(p[2]! + p[3]!).toBeLessThan(reference[2]! + reference[3]!);
    const js = apoZeroLoss({
      policyChosen: p.slice(0, 2),
      policyRejected: p.slice(2),
      referenceChosen: reference.slice(0, 2),
      referenceRejected: reference.slice(2),
    });
    expect(last.loss).toBeCloseTo(js.loss, 5);
    expect(last.loss).toBeLessThan(1);
    expect(s.steps).toBe(5);
    await s.release();
  });

  it("trains a loss defined outside the registry with definePairedLoss", async () => {
    const nllBoth = definePairedLoss<{ beta: number }>({
      name: "nll_both",
      reference: "test",
      defaults: { beta: 1 },
      rewards: "log-prob",
      validate: () => {},
      terms: (m, x) => ({
        loss: m.neg(m.add(x.policyChosen, x.policyRejected)),
        gradChosen: m.constant(-1),
        gradRejected: m.constant(-1),
      }),
    });
    const model = await createTinyModel({ family: "llama", seed: 2 });
    const s = await TrainStepSession.create(model, { loss: nllBoth, optimizer: "sgd" });
    const out = await s.step(pack(model), [0, 0, 0, 0], 0);
    const p = copy(out.policyLogp);
    expect(out.loss).toBeCloseTo(-(p[0]! + p[1]! + p[2]! + p[3]!) / 2, 4);
    await s.release();
  });

  it("refuses bad options with typed errors naming the field", async () => {
    const model = await createTinyModel({ family: "gpt2", seed: 1 });
    await expect(TrainStepSession.create(model, { loss: "no_such_loss" })).rejects.toThrow(/no_such_loss/);
    await expect(TrainStepSession.create(model, { lossParams: { beta: -1 } })).rejects.toThrow(/beta/);
    await expect(
      TrainStepSession.create(model, { optimizer: "rmsprop", optimizerConfig: { alpha: 1.5 } }),
    ).rejects.toBeInstanceOf(TrainConfigError);
    await expect(TrainStepSession.create(model, { maxGradNorm: 0 })).rejects.toMatchObject({
      field: "maxGradNorm",
    });
    for (const expectedSequenceLength of [-1, Number.NaN]) {
      await expect(TrainStepSession.create(model, { expectedSequenceLength })).rejects.toMatchObject({
        field: "expectedSequenceLength",
      });
    }
    const kto = await TrainStepSession.create(model, { loss: "kto" });
    await expect(kto.step(pack(model), [0, 0, 0, 0], 0)).rejects.toMatchObject({ field: "labels" });
    await kto.release();
  });
});
