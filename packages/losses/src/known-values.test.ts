import { describe, expect, it } from "vitest";
import {
  aotLoss,
  apoDownLoss,
  apoZeroLoss,
  apoZeroUnpairedLoss,
  combineLosses,
  computeLoss,
  dpoLoss,
  estimateKl,
  hingeLoss,
  ipoLoss,
  ktoLoss,
  ktoPairLoss,
  robustLoss,
  sftLoss,
  simpoLoss,
  sppoHardLoss,
} from "./index.js";
import { seededRandom } from "./testing/finite-differences.js";

const sig = (x: number) => 1 / (1 + Math.exp(-x));

function randomBatch(seed: number, n: number) {
  const rand = seededRandom(seed);
  const gen = () => Float64Array.from({ length: n }, () => -1 - rand() * 40);
  return { policyChosen: gen(), policyRejected: gen(), referenceChosen: gen(), referenceRejected: gen() };
}

const atZero = {
  policyChosen: [-7, -3],
  policyRejected: [-9, -2],
  referenceChosen: [-7, -3],
  referenceRejected: [-9, -2],
};

describe("known values", () => {
  it("DPO at zero margin is ln 2 with gradient ∓β/2", () => {
    const result = dpoLoss(atZero);
    expect(result.loss).toBe(Math.LN2);
    expect(Array.from(result.gradChosen)).toEqual([-0.05, -0.05]);
    expect(Array.from(result.gradRejected)).toEqual([0.05, 0.05]);
  });

  it("APO-zero at Δ = 0 is 1; APO-down's chosen gradient there is exactly 0", () => {
    expect(apoZeroLoss(atZero).loss).toBe(1);
    const down = apoDownLoss(atZero);
    expect(down.loss).toBe(1);
    expect(Array.from(down.gradChosen)).toEqual([0, 0]);
    expect(Array.from(down.gradRejected)).toEqual([0.025, 0.025]);
  });

  it("APO-zero and APO-down match the paper's formulas (eq. 7, 8) plus TRL's constant 1", () => {
    const batch = randomBatch(11, 20);
    const zero = apoZeroLoss(batch, { beta: 0.3 });
    const down = apoDownLoss(batch, { beta: 0.3 });
    for (let i = 0; i < 20; i++) {
      const rw = 0.3 * ((batch.policyChosen[i] as number) - (batch.referenceChosen[i] as number));
      const rl = 0.3 * ((batch.policyRejected[i] as number) - (batch.referenceRejected[i] as number));
      expect(zero.losses[i]).toBeCloseTo(1 + (-sig(rw) + sig(rl)), 14);
      expect(down.losses[i]).toBeCloseTo(1 + (sig(rw) - sig(rw - rl)), 14);
      expect(zero.chosenRewards[i]).toBeCloseTo(rw, 14);
      expect(zero.rejectedRewards[i]).toBeCloseTo(rl, 14);
    }
  });

  it("APO-zero equals KTO-pair with reference point 0", () => {
    const batch = randomBatch(12, 50);
    const a = apoZeroLoss(batch);
    const k = ktoPairLoss(batch, { referencePoint: 0 });
    for (let i = 0; i < 50; i++) {
      expect(k.losses[i]).toBeCloseTo(a.losses[i] as number, 15);
      expect(k.gradChosen[i]).toBe(a.gradChosen[i]);
      expect(k.gradRejected[i]).toBe(a.gradRejected[i]);
    }
  });

  it("robust with ε = 0 equals sigmoid; AOT with one pair equals sigmoid", () => {
    const batch = randomBatch(13, 30);
    const dpo = dpoLoss(batch);
    const rob = robustLoss(batch, { labelSmoothing: 0 });
    for (let i = 0; i < 30; i++) {
      expect(rob.losses[i]).toBeCloseTo(dpo.losses[i] as number, 14);
      expect(rob.gradChosen[i]).toBeCloseTo(dpo.gradChosen[i] as number, 14);
    }
    const one = {
      policyChosen: [-4],
      policyRejected: [-6],
      referenceChosen: [-5],
      referenceRejected: [-5.5],
    };
    const aot = aotLoss(one);
    const single = dpoLoss(one);
    expect(aot.loss).toBe(single.loss);
    expect(aot.gradChosen[0]).toBe(single.gradChosen[0]);
    expect(aot.gradRejected[0]).toBe(single.gradRejected[0]);
  });

  it("AOT pairs sorted margins by rank", () => {
    // Policy margins c − r = [3, −1]; reference margins c0 − r0 = [−2, 5]. Sorted: [−1, 3] vs [−2, 5].
    const batch = {
      policyChosen: [-1, -5],
      policyRejected: [-4, -4],
      referenceChosen: [-3, -1],
      referenceRejected: [-1, -6],
    };
    const result = aotLoss(batch, { beta: 1 });
    expect(result.losses[0]).toBeCloseTo(Math.log1p(Math.exp(-1)), 14); // δ = −1 − (−2) = 1
    expect(result.losses[1]).toBeCloseTo(Math.log1p(Math.exp(2)), 14); // δ = 3 − 5 = −2
  });

  it("hinge, IPO, SPPO and SFT at hand-computed points", () => {
    const b = { policyChosen: [-1], policyRejected: [-2], referenceChosen: [-1], referenceRejected: [-1] };
    expect(hingeLoss(b).loss).toBeCloseTo(0.9, 15);
    expect(ipoLoss({ ...b, chosenLength: [1], rejectedLength: [4] }).loss).toBeCloseTo((0.25 - 5) ** 2, 12);
    expect(sppoHardLoss(b).loss).toBeCloseTo(25 + (-1 + 5) ** 2, 12);
    expect(sftLoss({ policyChosen: [-12, -4], policyRejected: [-1, -1] }).loss).toBe(8);
  });

  it("SimPO matches its formula with γ", () => {
    const b = { policyChosen: [-20], policyRejected: [-36], chosenLength: [10], rejectedLength: [12] };
    const x = 2 * (-2 - -3) - 0.5;
    expect(simpoLoss(b, { beta: 2 }).loss).toBeCloseTo(Math.log1p(Math.exp(-x)), 14);
  });

  it("KTO: estimated KL, weights, and the unpaired APO-zero (KL = 0)", () => {
    const kl = estimateKl({ policyMismatched: [-10, -20], referenceMismatched: [-11, -20.5] });
    expect(kl).toBeCloseTo(0.75, 14);
    expect(estimateKl({ policyMismatched: [-12], referenceMismatched: [-10] })).toBe(0);
    const batch = { policy: [-10, -12], reference: [-11, -11], label: [true, false] };
    const k = ktoLoss(
      { ...batch, policyMismatched: [-10, -20], referenceMismatched: [-11, -20.5] },
      { desirableWeight: 2 },
    );
    expect(k.kl).toBeCloseTo(0.75, 14);
    expect(k.losses[0]).toBeCloseTo(2 * (1 - sig(0.1 * (1 - 0.75))), 14);
    expect(k.losses[1]).toBeCloseTo(sig(0.1 * (-1 - 0.75)), 14);
    const a = apoZeroUnpairedLoss(batch);
    expect(a.kl).toBe(0);
    expect(a.losses[0]).toBeCloseTo(1 - sig(0.1), 14);
    expect(a.losses[1]).toBeCloseTo(sig(-0.1), 14);
    expect(a.loss).toBeCloseTo((a.losses[0]! + a.losses[1]!) / 2, 15);
  });

  it("computeLoss dispatches by TRL name and combineLosses sums weighted terms (RPO = DPO + SFT)", () => {
    const batch = randomBatch(14, 8);
    expect(computeLoss("apo_zero", batch).loss).toBe(apoZeroLoss(batch).loss);
    expect(
      computeLoss("kto", { policy: [-1, -2], reference: [-1, -1], label: [true, false], kl: 0 }).loss,
    ).toBeGreaterThan(0);
    const rpo = combineLosses(batch, [{ loss: "sigmoid" }, { loss: "sft", weight: 0.5 }]);
    const dpo = dpoLoss(batch);
    const sft = sftLoss(batch);
    expect(rpo.loss).toBeCloseTo(dpo.loss + 0.5 * sft.loss, 12);
    expect(rpo.gradChosen[3]).toBeCloseTo((dpo.gradChosen[3] as number) - 0.5, 14);
    expect(rpo.chosenRewards).toEqual(dpo.chosenRewards);
  });
});
