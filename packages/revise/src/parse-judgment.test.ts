import { describe, expect, it } from "vitest";
import { parseJudgment } from "./parse-judgment.js";

describe("parseJudgment", () => {
  it.each([
    ["{teacher_reasoning}: the first is right.\n\n[1]", 1, "the first is right."],
    ["{teacher_reasoning}\nSecond is clearer.\nFinal answer: [2]", 2, "Second is clearer.\nFinal answer:"],
    ["**Teacher Reasoning:** both fine, the second more so. **[2]**", 2, "both fine, the second more so. **"],
    ["[ 1 ] because it is correct", 1, ""],
    ["I pick [2]. Again: [2].", 2, "I pick"],
  ])("reads %j", (text, winner, rationale) => {
    expect(parseJudgment(text)).toEqual({ ok: true, winner, rationale });
  });

  it.each([
    ["both", "[1] is clear but [2] is correct", "both-verdicts"],
    ["neither", "Solution 2 is best.", "no-verdict"],
    ["empty", "", "empty-response"],
    ["other numbers", "[3] and [12]", "no-verdict"],
  ])("rejects %s", (_, text, reason) => {
    expect(parseJudgment(text)).toMatchObject({ ok: false, reason });
  });
});
