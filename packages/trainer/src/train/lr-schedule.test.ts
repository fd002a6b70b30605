import { describe, expect, it } from "vitest";
import { learningRateAt } from "./lr-schedule.js";

describe("learning-rate schedule", () => {
  it("decays linearly to 0 after an optional warmup", () => {
    const at = (s: number, warmupSteps = 0) => learningRateAt({ lr: 1, totalSteps: 10, warmupSteps }, s);
    expect([0, 1, 5, 9].map((s) => at(s))).toEqual([1, 0.9, 0.5, 0.1]);
    expect([0, 1, 2, 6].map((s) => at(s, 2))).toEqual([0.5, 1, 1, 0.5]);
    expect(() => at(10)).toThrow(/step = 10 is invalid/);
  });
});
