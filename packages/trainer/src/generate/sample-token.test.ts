import { describe, expect, it } from "vitest";
import { SeededRandom } from "../models/seeded-random.js";
import { argmax, maskTopKTopP, sampleToken } from "./sample-token.js";
import { StopText } from "./stop-text.js";

const logits = new Float32Array([1, 3, 2, 0.5, 2.9]);

function histogram(params: Parameters<typeof sampleToken>[1], draws = 4000) {
  const rng = new SeededRandom(1);
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampleToken(logits, params, rng)]!++;
  return counts.map((c) => c / draws);
}

describe("sampleToken", () => {
  it("is greedy at temperature 0 and with top-k 1", () => {
    expect(argmax(logits)).toBe(1);
    expect(sampleToken(logits, { temperature: 0 }, new SeededRandom(0))).toBe(1);
    expect(histogram({ topK: 1 })[1]).toBe(1);
  });

  it("draws from the softmax at temperature 1", () => {
    const z = Array.from(logits, Math.exp).reduce((a, b) => a + b);
    const expected = Array.from(logits, (l) => Math.exp(l) / z);
    for (const [i, p] of histogram({}).entries()) expect(p).toBeCloseTo(expected[i]!, 1);
  });

  it("restricts to the top k and to the nucleus", () => {
    const k2 = histogram({ topK: 2 });
    expect(k2[0]! + k2[2]! + k2[3]!).toBe(0);
    expect(k2[1]! / k2[4]!).toBeCloseTo(Math.exp(0.1), 1);
    // p(1) ≈ 0.41, p(4) ≈ 0.37: top-p 0.5 keeps exactly those two.
    const nucleus = histogram({ topP: 0.5 });
    expect(nucleus[0]! + nucleus[2]! + nucleus[3]!).toBe(0);
    expect(nucleus[1]! + nucleus[4]!).toBe(1);
  });
});

describe("maskTopKTopP", () => {
  it("masks outside the top k, then outside the nucleus, in place", () => {
    const row = Float64Array.from([1, 3, 2, 0.5, 2.9]);
    maskTopKTopP(row, 3, 1);
    expect(Array.from(row)).toEqual([-Infinity, 3, 2, -Infinity, 2.9]);
    maskTopKTopP(row, 0, 0.5);
    expect(Array.from(row)).toEqual([-Infinity, 3, -Infinity, -Infinity, 2.9]);
  });
});

describe("StopText", () => {
  it("holds back a possible stop prefix and cuts at the stop", () => {
    const t = new StopText(["END"]);
    expect(t.update("abcE")).toEqual({ delta: "abc", stopped: false });
    expect(t.update("abcEx")).toEqual({ delta: "Ex", stopped: false });
    expect(t.update("abcExEN")).toEqual({ delta: "", stopped: false });
    expect(t.update("abcExENDzz")).toEqual({ delta: "", stopped: true });
    expect(t.text).toBe("abcEx");
  });

  it("holds back a trailing partial character until it completes", () => {
    const t = new StopText();
    expect(t.update("h\uFFFD").delta).toBe("h");
    expect(t.update("hé").delta).toBe("é");
    expect(t.flush()).toBe("");
  });
});
