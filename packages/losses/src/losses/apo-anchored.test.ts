import { describe, expect, it } from "vitest";
import {
  apoAnchoredLoss,
  apoDownLoss,
  apoZeroLoss,
  computeLoss,
  LossDomainError,
  LossLengthMismatchError,
  LossMissingInputError,
  LossParameterError,
} from "../index.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { seededRandom } from "../testing/finite-differences.js";
import { weightedLossSum } from "../weighted-loss-sum.js";
import { aot } from "./aot.js";
import { apoAnchored } from "./apo-anchored.js";
import { sft } from "./sft.js";

/** Random pairs with rewards from tiny to saturated (|βΔ| up to 50 at β = 0.1), plus extreme ones. */
function batchOf(seed: number, n: number) {
  const rand = seededRandom(seed);
  const gen = () => Float64Array.from({ length: n }, () => -1 - rand() * 500);
  const b = { policyChosen: gen(), policyRejected: gen(), referenceChosen: gen(), referenceRejected: gen() };
  b.policyChosen.set([-1, -1e5, -2e-9]);
  b.referenceChosen.set([-1e5, -1, -600]);
  return b;
}

const maxDiff = (a: Float64Array, b: Float64Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("apo_anchored", () => {
  const n = 1000;
  const batch = batchOf(3, n);

  it.each([0.1, 0.7])("equals APO-zero where every a = 0 and APO-down where every a = 1 (β %f)", (beta) => {
    for (const [a, reference] of [
      [0, apoZeroLoss(batch, { beta })],
      [1, apoDownLoss(batch, { beta })],
    ] as const) {
      const anchored = apoAnchoredLoss({ ...batch, anchorDown: new Float64Array(n).fill(a) }, { beta });
      expect(Math.abs(anchored.loss - reference.loss)).toBeLessThanOrEqual(1e-12);
      expect(maxDiff(anchored.losses, reference.losses)).toBeLessThanOrEqual(1e-12);
      expect(maxDiff(anchored.gradChosen, reference.gradChosen)).toBeLessThanOrEqual(1e-12);
      expect(maxDiff(anchored.gradRejected, reference.gradRejected)).toBeLessThanOrEqual(1e-12);
      expect(anchored.chosenRewards).toEqual(reference.chosenRewards);
      expect(anchored.rejectedRewards).toEqual(reference.rejectedRewards);
    }
  });

  it("mixes the two per pair: (1 − a)·APO-zero + a·APO-down, losses and gradients", () => {
    const rand = seededRandom(8);
    const anchorDown = Float64Array.from({ length: n }, (_, i) =>
      i % 4 === 0 ? 0 : i % 4 === 1 ? 1 : rand(),
    );
    const mixed = apoAnchoredLoss({ ...batch, anchorDown });
    const zero = apoZeroLoss(batch);
    const down = apoDownLoss(batch);
    const mix = (z: Float64Array, d: Float64Array) =>
      Float64Array.from(
        z,
        (v, i) => (1 - (anchorDown[i] as number)) * v + (anchorDown[i] as number) * (d[i] as number),
      );
    expect(maxDiff(mixed.losses, mix(zero.losses, down.losses))).toBeLessThanOrEqual(1e-15);
    expect(maxDiff(mixed.gradChosen, mix(zero.gradChosen, down.gradChosen))).toBeLessThanOrEqual(1e-15);
    expect(maxDiff(mixed.gradRejected, mix(zero.gradRejected, down.gradRejected))).toBeLessThanOrEqual(1e-15);
  });

  it("at Δ = 0 with a = ½: loss 1, ∂/∂c = −β/8, ∂/∂r = β/4", () => {
    const at = { policyChosen: [-7], policyRejected: [-9], referenceChosen: [-7], referenceRejected: [-9] };
    const result = apoAnchoredLoss({ ...at, anchorDown: [0.5] });
    expect(result.loss).toBe(1);
    expect(result.gradChosen[0]).toBeCloseTo(-0.1 / 8, 15);
    expect(result.gradRejected[0]).toBeCloseTo(0.1 / 4, 15);
  });

  it("runs by name, and inside a weighted sum the sum needs the anchors too", () => {
    const small = {
      ...batchOf(5, 4),
      anchorDown: [0, 1, 0.5, 0.25],
      chosenLength: [3, 1, 2, 5],
      rejectedLength: [1, 1, 1, 1],
    };
    expect(computeLoss("apo_anchored", small).losses).toEqual(apoAnchoredLoss(small).losses);
    const sum = weightedLossSum([
      { definition: apoAnchored, weight: 1 },
      { definition: sft, weight: 0.5 },
    ]);
    expect(sum.usesAnchorDown).toBe(true);
    expect(runPairedLoss(sum, small).loss).toBeCloseTo(
      apoAnchoredLoss(small).loss + 0.5 * computeLoss("sft", small).loss,
      14,
    );
    const { anchorDown: _, ...bare } = small;
    expect((thrown(() => runPairedLoss(sum, bare)) as LossMissingInputError).field).toBe("anchorDown");
  });

  it("names the field when the anchors are missing, miscounted or outside [0, 1]", () => {
    const pairs = batchOf(6, 3);
    const missing = thrown(() => computeLoss("apo_anchored", pairs));
    expect(missing).toBeInstanceOf(LossMissingInputError);
    expect(missing).toMatchObject({ code: "MISSING_INPUT", field: "anchorDown" });
    expect((missing as Error).message).toMatch(/apo_anchored needs anchorDown/);
    expect(thrown(() => apoAnchoredLoss({ ...pairs, anchorDown: [0, 1] }))).toBeInstanceOf(
      LossLengthMismatchError,
    );
    for (const bad of [1.5, -0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = thrown(() => apoAnchoredLoss({ ...pairs, anchorDown: [0, bad, 1] }));
      expect(error).toBeInstanceOf(LossDomainError);
      expect(error).toMatchObject({ code: "OUT_OF_DOMAIN", field: "anchorDown", index: 1, value: bad });
      expect((error as Error).message).toMatch(/anchorDown\[1\] = .*expected a weight in \[0, 1\]/);
    }
    // Losses that do not read anchors ignore them, valid or not.
    expect(apoZeroLoss({ ...pairs, anchorDown: [7, 7, 7] } as typeof pairs).loss).toBe(
      apoZeroLoss(pairs).loss,
    );
  });

  it("a rank-coupled loss cannot declare per-pair anchors", () => {
    const anchoredAot = { ...aot, usesAnchorDown: true };
    const pairs = { ...batchOf(7, 3), anchorDown: [0, 0, 0] };
    expect(thrown(() => runPairedLoss(anchoredAot, pairs))).toBeInstanceOf(LossParameterError);
  });
});
