import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { anchorWeight, compareAnchors, handAnchor, judgeAnchors } from "./anchors.js";

describe("APO-anchored's anchors", () => {
  it("come from clair anchor's builder with the checker judge, in both orders, ties to 0.5", async () => {
    // sort 391404: → 013449
    const prompt = (d: string) => `sort ${d}:`;
    const pairs = [
      { prompt: prompt("391404"), chosen: "013449", rejected: "x" }, // chosen right, model wrong → zero
      { prompt: prompt("222111"), chosen: "111122", rejected: "x" }, // chosen wrong, model right → down
      { prompt: prompt("987654"), chosen: "4, 5, 6, 7, 8, 9", rejected: "x" }, // both right, unlike → tie
      { prompt: prompt("000001"), chosen: "000001", rejected: "x" }, // identical → tie
      { prompt: prompt("123450"), chosen: "012354", rejected: "x" }, // both wrong, chosen closer → zero
    ];
    const model = new Map([
      [prompt("391404"), "013499"],
      [prompt("222111"), "111222"],
      [prompt("987654"), "456789"],
      [prompt("000001"), "000001"],
      [prompt("123450"), "543210"],
    ]);
    const hand = [0, 1, 1, 1, 1];
    const dir = mkdtempSync(join(tmpdir(), "demo-anchors-"));
    const { anchorDown, counts } = await judgeAnchors("CLAIR", pairs, model, hand, dir);
    expect(anchorDown).toEqual([0, 1, 0.5, 0.5, 0]);
    expect(counts).toMatchObject({ pairs: 5, zero: 2, down: 1, tie: 2, handZero: 1 });
    expect(counts.agreement).toBeCloseTo(2 / 5, 12);
    expect(counts.decidedAgreement).toBeCloseTo(2 / 3, 12);
    expect(counts.file).toBe(join(dir, "clair.anchored.jsonl"));
  });

  it("counts agreement with the hand rule over all pairs and over the decided ones", () => {
    expect(handAnchor(true, false)).toBe(0);
    expect(handAnchor(true, true)).toBe(1);
    expect(handAnchor(false, false)).toBe(1);
    expect([anchorWeight("zero"), anchorWeight("down"), anchorWeight(0.25)]).toEqual([0, 1, 0.25]);
    const c = compareAnchors([0, 1, 0.5, 1], [0, 0, 1, 1]);
    expect(c).toMatchObject({ zero: 1, down: 2, tie: 1, handZero: 2, agreement: 0.5 });
    expect(c.decidedAgreement).toBeCloseTo(2 / 3, 12);
    expect(compareAnchors([0.5], [1]).decidedAgreement).toBeNaN();
    expect(() => compareAnchors([0], [])).toThrow(/1 judged vs 0/);
  });
});
