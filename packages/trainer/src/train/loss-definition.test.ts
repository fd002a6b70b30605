import { describe, expect, it } from "vitest";
import { TrainConfigError } from "../train-step/train-config-error.js";
import { resolveLossDefinition } from "./loss-definition.js";

describe("resolveLossDefinition", () => {
  it("suggests the nearest registered loss for an unknown name, and lists them all", () => {
    const error = (() => {
      try {
        resolveLossDefinition("apo-zero");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TrainConfigError);
    expect((error as TrainConfigError).field).toBe("loss");
    expect((error as Error).message).toMatch(
      /^loss = "apo-zero" is invalid: expected a registered loss name \(did you mean apo_zero\?\); the losses: apo_zero, apo_down, .*kto.* \(a custom loss must be passed as its definition object/,
    );
    expect(() => resolveLossDefinition(["sigmoid", "sfT_"])).toThrow(
      /loss\[1\] = "sfT_" .*did you mean sft\?/,
    );
    expect(() => resolveLossDefinition("dpo")).toThrow(
      /did you mean sigmoid \(TRL's name for DPO's loss\)\?/,
    );
    expect(() => resolveLossDefinition("lion")).toThrow(/expected a registered loss name; the losses: /);
  });
});
