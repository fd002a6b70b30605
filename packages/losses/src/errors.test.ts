import { describe, expect, it } from "vitest";
import {
  apoZeroLoss,
  combineLosses,
  computeLoss,
  discopopLoss,
  dpoLoss,
  exoPairLoss,
  ipoLoss,
  ktoLoss,
  LossDomainError,
  LossEmptyBatchError,
  LossError,
  LossInvalidLengthError,
  LossLengthMismatchError,
  LossMissingInputError,
  LossNonFiniteInputError,
  LossOverflowError,
  LossParameterError,
  orpoLoss,
  robustLoss,
  sppoHardLoss,
  UnknownLossError,
} from "./index.js";

const ok = {
  policyChosen: [-1, -2],
  policyRejected: [-3, -4],
  referenceChosen: [-1, -2],
  referenceRejected: [-3, -4],
};

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("bad input", () => {
  it("arrays of different lengths name the field and both lengths", () => {
    const error = thrown(() => apoZeroLoss({ ...ok, referenceRejected: [-3] }));
    expect(error).toBeInstanceOf(LossLengthMismatchError);
    expect(error).toMatchObject({
      code: "LENGTH_MISMATCH",
      field: "referenceRejected",
      expected: 2,
      actual: 1,
    });
    expect((error as Error).message).toContain("referenceRejected has 1 entries but policyChosen has 2");
  });

  it("NaN and ±Infinity name the field and index", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const error = thrown(() => dpoLoss({ ...ok, referenceChosen: [-1, bad] }));
      expect(error).toBeInstanceOf(LossNonFiniteInputError);
      expect(error).toMatchObject({ field: "referenceChosen", index: 1 });
    }
    expect(
      thrown(() => ktoLoss({ policy: [-1, Number.NaN], reference: [-1, -1], label: [true, false], kl: 0 })),
    ).toMatchObject({
      field: "policy",
      index: 1,
    });
  });

  it("parameters out of range name the parameter", () => {
    expect(thrown(() => dpoLoss(ok, { beta: 0 }))).toMatchObject({
      code: "INVALID_PARAMETER",
      parameter: "beta",
    });
    expect(thrown(() => apoZeroLoss(ok, { beta: -1 }))).toBeInstanceOf(LossParameterError);
    expect(thrown(() => robustLoss(ok, { labelSmoothing: 0.5 }))).toMatchObject({
      parameter: "labelSmoothing",
    });
    expect(thrown(() => exoPairLoss(ok, { labelSmoothing: 0 }))).toMatchObject({
      parameter: "labelSmoothing",
    });
    expect(thrown(() => discopopLoss(ok, { tau: 0 }))).toMatchObject({ parameter: "tau" });
    expect(thrown(() => dpoLoss(ok, { gamma: 1 } as never))).toMatchObject({ parameter: "gamma" });
    expect(thrown(() => ktoLoss({ policy: [-1], reference: [-1], label: [true], kl: -1 }))).toMatchObject({
      parameter: "kl",
    });
  });

  it("length-normalised losses need token counts ≥ 1", () => {
    expect(thrown(() => ipoLoss(ok))).toMatchObject({ code: "MISSING_INPUT", field: "chosenLength" });
    expect(thrown(() => ipoLoss({ ...ok, chosenLength: [3, 0], rejectedLength: [1, 1] }))).toMatchObject({
      code: "INVALID_LENGTH",
      field: "chosenLength",
      index: 1,
    });
    expect(thrown(() => orpoLoss({ ...ok, chosenLength: [1, 1], rejectedLength: [-2, 1] }))).toBeInstanceOf(
      LossInvalidLengthError,
    );
  });

  it("ORPO refuses log-probs ≥ 0; references are required where the loss uses them", () => {
    expect(
      thrown(() => orpoLoss({ ...ok, policyChosen: [0, -1], chosenLength: [1, 1], rejectedLength: [1, 1] })),
    ).toBeInstanceOf(LossDomainError);
    const { referenceChosen: _, ...noReference } = ok;
    expect(thrown(() => computeLoss("apo_zero", noReference))).toBeInstanceOf(LossMissingInputError);
    expect(
      thrown(() => ktoLoss({ policy: [-1, -2], reference: [-1, -1], label: [true, false] })),
    ).toMatchObject({
      field: "policyMismatched",
    });
  });

  it("empty batches, unknown names, empty combinations and overflow are typed errors, never NaN", () => {
    expect(
      thrown(() =>
        dpoLoss({ policyChosen: [], policyRejected: [], referenceChosen: [], referenceRejected: [] }),
      ),
    ).toBeInstanceOf(LossEmptyBatchError);
    expect(thrown(() => computeLoss("simpo_v9", ok))).toBeInstanceOf(UnknownLossError);
    expect(thrown(() => combineLosses(ok, []))).toBeInstanceOf(LossParameterError);
    const overflow = thrown(() =>
      sppoHardLoss({
        policyChosen: [-1e300],
        policyRejected: [-1],
        referenceChosen: [1e300],
        referenceRejected: [-1],
      }),
    );
    expect(overflow).toBeInstanceOf(LossOverflowError);
    expect(overflow).toBeInstanceOf(LossError);
  });
});

describe("finite inputs whose check-sum overflows", () => {
  it("are computed, not rejected", () => {
    const result = dpoLoss({
      policyChosen: [-1e308, -1],
      policyRejected: [-1e308, -1],
      referenceChosen: [-1e308, -1],
      referenceRejected: [-1e308, -1],
    });
    expect(Array.from(result.losses)).toEqual([Math.LN2, Math.LN2]);
  });
});

describe("LossError", () => {
  it("names every error after its class, without each subclass setting it", () => {
    const error = thrown(() => computeLoss("simpo_v9", ok));
    expect((error as Error).name).toBe("UnknownLossError");
    expect(new LossEmptyBatchError("dpo").name).toBe("LossEmptyBatchError");
    expect(new LossError("EMPTY_BATCH", "empty").name).toBe("LossError");
  });

  it("isInstance recognises errors of any copy of the package by their Symbol.for marker", () => {
    expect(LossError.isInstance(thrown(() => dpoLoss(ok, { beta: 0 })))).toBe(true);
    // An error made by another installed copy: a different class, the same registered symbol.
    const foreign = Object.assign(new Error("x"), { [Symbol.for("@apo/losses.error")]: true });
    expect(foreign).not.toBeInstanceOf(LossError);
    expect(LossError.isInstance(foreign)).toBe(true);
    for (const value of [new Error("x"), { code: "EMPTY_BATCH" }, null, undefined, "LossError", 1]) {
      expect(LossError.isInstance(value)).toBe(false);
    }
  });

  it("keeps the cause of a wrapped failure", () => {
    const cause = new Error("disk full");
    expect(new LossError("MISSING_INPUT", "could not read", { cause }).cause).toBe(cause);
  });
});
