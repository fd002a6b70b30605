import { describe, expect, it } from "vitest";
import { logSigmoid } from "./log-sigmoid.js";
import { log1mexp } from "./log1mexp.js";
import { sigmoid } from "./sigmoid.js";
import { sigmoidPrime } from "./sigmoid-prime.js";
import { softplus } from "./softplus.js";

const naive = {
  softplus: (x: number) => Math.log(1 + Math.exp(x)),
  sigmoid: (x: number) => 1 / (1 + Math.exp(-x)),
};

describe("scalar ops", () => {
  it("agree with the naive formulas where those are accurate", () => {
    for (let x = -30; x <= 30; x += 0.37) {
      expect(softplus(x)).toBeCloseTo(naive.softplus(x), 12);
      expect(sigmoid(x)).toBeCloseTo(naive.sigmoid(x), 14);
      expect(logSigmoid(x)).toBeCloseTo(Math.log(naive.sigmoid(x)), 12);
      expect(sigmoidPrime(x)).toBeCloseTo(naive.sigmoid(x) * naive.sigmoid(-x), 14);
    }
  });

  it("stay finite and exact at extreme arguments", () => {
    expect(softplus(1e4)).toBe(1e4);
    expect(softplus(-1e4)).toBe(0);
    expect(sigmoid(-1e4)).toBe(0);
    expect(sigmoid(1e4)).toBe(1);
    expect(logSigmoid(-1e4)).toBe(-1e4);
    expect(sigmoidPrime(1e4)).toBe(0);
    expect(sigmoidPrime(-800)).toBe(0);
    expect(sigmoidPrime(-30)).toBeCloseTo(Math.exp(-30), 25);
    expect(Number.isNaN(softplus(-1e308))).toBe(false);
  });

  it("log1mexp is accurate near 0 and far below", () => {
    expect(log1mexp(-1e-20)).toBeCloseTo(Math.log(1e-20), 10);
    expect(log1mexp(-50)).toBeCloseTo(-Math.exp(-50), 30);
    expect(log1mexp(-Math.LN2)).toBeCloseTo(-Math.LN2, 15);
    for (let x = -5; x < -0.01; x += 0.1) expect(log1mexp(x)).toBeCloseTo(Math.log(1 - Math.exp(x)), 12);
  });
});
