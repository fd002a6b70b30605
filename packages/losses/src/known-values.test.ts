import { describe, expect, it } from "vitest";
import {
  aotLoss,
  aotUnpairedLoss,
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
  LOSSES,
  robustLoss,
  sftLoss,
  simpoLoss,
  sppoHardLoss,
} from "./index.js";
import { sft as sftDefinition } from "./losses/sft.js";
import { sigmoidLoss } from "./losses/sigmoid.js";
import { runPairedLoss } from "./run-paired-loss.js";
import { seededRandom } from "./testing/finite-differences.js";
import { weightedLossSum } from "./weighted-loss-sum.js";

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

  it("APO-zero equals KTO-pair with the fixed reference point 0", () => {
    const batch = randomBatch(12, 50);
    const a = apoZeroLoss(batch);
    const k = ktoPairLoss(batch, { batchAnchor: 0, referencePoint: 0 });
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
  });

  it("SFT is TRL's token mean over all chosen tokens of the batch, the same for every pair", () => {
    const sft = sftLoss({
      policyChosen: [-12, -4],
      policyRejected: [-1, -1],
      referenceChosen: [-11, -4.5],
      referenceRejected: [-1, -1],
      chosenLength: [3, 1],
      rejectedLength: [1, 1],
    });
    // −Σc/Σℓc = 16/4 (the mean of per-sequence averages would be (4 + 4)/2, the mean of sums 8).
    expect(sft.loss).toBe(4);
    expect(Array.from(sft.losses)).toEqual([4, 4]);
    // ∂(Σ losses)/∂cᵢ = −B/Σℓc; the batch loss's gradient −1/Σℓc = −1/4.
    expect(Array.from(sft.gradChosen)).toEqual([-0.5, -0.5]);
    expect(Array.from(sft.gradRejected)).toEqual([0, 0]);
    // Rewards are β·Δ, as TRL logs them for every loss_type.
    expect(sft.chosenRewards[0]).toBeCloseTo(-0.1, 15);
    expect(sft.chosenRewards[1]).toBeCloseTo(0.05, 15);
  });

  it("KTO-pair anchors each reward on the other half's batch estimate, detached", () => {
    const batch = {
      policyChosen: [-10, -20, -5],
      policyRejected: [-8, -30, -6],
      referenceChosen: [-12, -21, -4.5],
      referenceRejected: [-9, -29, -6.5],
    };
    // Δc = [2, 1, −0.5] → z_c = 5/6; Δr = [1, −1, 0.5] → z_r = 1/6.
    const zc = 5 / 6;
    const zr = 1 / 6;
    const k = ktoPairLoss(batch, { beta: 0.5 });
    const dc = [2, 1, -0.5];
    const dr = [1, -1, 0.5];
    const sp = (x: number) => sig(x) * sig(-x);
    for (let i = 0; i < 3; i++) {
      const uc = 0.5 * ((dc[i] as number) - zr);
      const ur = 0.5 * (zc - (dr[i] as number));
      expect(k.losses[i]).toBeCloseTo(2 - sig(uc) - sig(ur), 14);
      expect(k.gradChosen[i]).toBeCloseTo(-0.5 * sp(uc), 14);
      expect(k.gradRejected[i]).toBeCloseTo(0.5 * sp(ur), 14);
    }
    // A negative batch mean clamps its anchor at 0.
    const down = ktoPairLoss({ ...batch, policyChosen: [-20, -30, -15] }, { beta: 0.5 });
    expect(down.losses[0]).toBeCloseTo(2 - sig(0.5 * (-8 - zr)) - sig(0.5 * (0 - 1)), 14);
  });

  it("SimPO matches its formula with γ, plus CPOTrainer's NLL term", () => {
    const b = { policyChosen: [-20], policyRejected: [-36], chosenLength: [10], rejectedLength: [12] };
    const x = 2 * (-2 - -3) - 0.5;
    expect(simpoLoss(b, { beta: 2, cpoAlpha: 0 }).loss).toBeCloseTo(Math.log1p(Math.exp(-x)), 14);
    // TRL's CPOTrainer adds cpo_alpha (default 1) × the token-mean NLL: 20/10.
    expect(simpoLoss(b, { beta: 2 }).loss).toBeCloseTo(Math.log1p(Math.exp(-x)) + 2, 14);
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
    const lengths = { chosenLength: [1, 2, 3, 4, 5, 6, 7, 8], rejectedLength: [8, 7, 6, 5, 4, 3, 2, 1] };
    const rpo = combineLosses({ ...batch, ...lengths }, [{ loss: "sigmoid" }, { loss: "sft", weight: 0.5 }]);
    const dpo = dpoLoss(batch);
    const sft = sftLoss({ ...batch, ...lengths });
    expect(rpo.loss).toBeCloseTo(dpo.loss + 0.5 * sft.loss, 12);
    // SFT's gradient per pair: −1/mean(ℓc) = −1/4.5.
    expect(rpo.gradChosen[3]).toBeCloseTo((dpo.gradChosen[3] as number) - 0.5 / 4.5, 14);
    expect(rpo.chosenRewards).toEqual(dpo.chosenRewards);
    const sum = weightedLossSum([
      { definition: sigmoidLoss, weight: 1 },
      { definition: sftDefinition, weight: 0.5 },
    ]);
    expect(sum.name).toBe("sigmoid,sft");
    const viaSum = runPairedLoss(sum, { ...batch, ...lengths });
    expect(viaSum.loss).toBe(rpo.loss);
    expect(viaSum.gradChosen).toEqual(rpo.gradChosen);
  });

  it("TRL's sigmoid ignores label smoothing: cDPO only through cdpoLabelSmoothing", () => {
    const batch = randomBatch(15, 6);
    expect(() => computeLoss("sigmoid", batch, { labelSmoothing: 0.1 } as never)).toThrow(/labelSmoothing/);
    const cdpo = dpoLoss(batch, { cdpoLabelSmoothing: 0.1 });
    const robustAt = robustLoss(batch, { labelSmoothing: 0 });
    expect(dpoLoss(batch).loss).toBeCloseTo(robustAt.loss, 14);
    expect(cdpo.loss).not.toBeCloseTo(dpoLoss(batch).loss, 6);
  });

  it("aot_pair is a deprecated alias of TRL's aot_unpaired", () => {
    expect(LOSSES.aot_pair).toBe(LOSSES.aot_unpaired);
    expect(LOSSES.aot_pair.name).toBe("aot_unpaired");
    const batch = randomBatch(16, 5);
    expect(computeLoss("aot_pair", batch).loss).toBe(aotUnpairedLoss(batch).loss);
  });
});
