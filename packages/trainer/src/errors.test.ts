import { describe, expect, it } from "vitest";
import { ApoError, GradientError, MissingGradientRuleError } from "./errors.js";

describe("ApoError", () => {
  it("names each subclass after itself and keeps code and cause", () => {
    const cause = new Error("inner");
    const error = new GradientError("loss `l` is not scalar", { subject: "l", cause });
    expect(error.name).toBe("GradientError");
    expect(error.code).toBe("GRADIENT");
    expect(error.cause).toBe(cause);
    expect(new MissingGradientRuleError("TopK", "t").name).toBe("MissingGradientRuleError");
  });

  it("isInstance recognises errors of any copy of the package by their Symbol.for marker", () => {
    expect(ApoError.isInstance(new GradientError("x"))).toBe(true);
    // What an ApoError created by a second installed copy looks like to this one.
    const foreign = Object.assign(new Error("x"), { [Symbol.for("@apo/trainer.error")]: true });
    expect(ApoError.isInstance(foreign)).toBe(true);
    expect(foreign instanceof ApoError).toBe(false);
    for (const value of [new Error("x"), null, undefined, "ApoError", { code: "GRADIENT" }]) {
      expect(ApoError.isInstance(value)).toBe(false);
    }
  });
});
