import { describe, expect, it } from "vitest";
import { regexScorer } from "./answer-scorer.js";
import { InvalidFieldError, ReviseError } from "./errors.js";

describe("regexScorer", () => {
  it("compares the last match's first group with the expected answer", () => {
    const score = regexScorer("answer is (-?\\d+)");
    expect(score("first I thought the answer is 41, but the answer is 42.", { answer: 42 })).toBe(1);
    expect(score("the answer is 41", { answer: "42" })).toBe(0);
    expect(score("no number here", { answer: "42" })).toBe(0);
  });

  it("uses the whole match without a group, ignoring case and spacing, from another field", () => {
    const score = regexScorer(/paris|london/i, "city");
    expect(score("It is PARIS.", { city: " paris " })).toBe(1);
  });

  it("checks the expected answer before any request, and refuses a bad pattern", () => {
    const score = regexScorer("(\\d+)");
    expect(() => score.check?.({ prompt: "p" })).toThrow(InvalidFieldError);
    expect(() => score.check?.({ prompt: "p", answer: { x: 1 } })).toThrow(/field "answer"/);
    expect(() => regexScorer("(unclosed")).toThrow(ReviseError);
  });
});
