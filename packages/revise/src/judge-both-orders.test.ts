import { describe, expect, it } from "vitest";
import { localGenerator } from "../test/local-roles.js";
import { RowTrace } from "./builder.js";
import { judgeBothOrders, judgeOptions } from "./judge-both-orders.js";
import { createTemplateJudge } from "./template-roles.js";

function setup() {
  const generator = localGenerator("judge");
  return { generator, judge: createTemplateJudge(generator), trace: new RowTrace() };
}

describe("judgeBothOrders", () => {
  it("names the answer the judge picks in both orders", async () => {
    const { generator, judge, trace } = setup();
    const verdict = await judgeBothOrders(
      judge,
      { prompt: "q #prefer:good", a: "meh", b: "good" },
      judgeOptions(trace, undefined),
    );
    expect(verdict).toMatchObject({ ok: true, winner: "b", votes: ["b", "b"], unparseable: 0 });
    expect(verdict.replies).toHaveLength(2);
    expect(generator.calls).toBe(2);
    expect(trace.models).toEqual({ judge: "judge" });
    expect(trace.usageByModel.judge).toEqual({ promptTokens: 20, completionTokens: 10 });
  });

  it("calls a judge that always picks the first position a split", async () => {
    const { judge, trace } = setup();
    const verdict = await judgeBothOrders(
      judge,
      { prompt: "q", a: "one", b: "two" },
      judgeOptions(trace, undefined),
    );
    expect(verdict).toMatchObject({ ok: true, winner: "split", votes: ["a", "b"], unparseable: 0 });
  });

  it("asks again once after a reply that names neither answer, and counts it", async () => {
    const { generator, judge, trace } = setup();
    const verdict = await judgeBothOrders(
      judge,
      { prompt: "q #flaky #prefer:x", a: "x", b: "y" },
      judgeOptions(trace, undefined),
    );
    expect(verdict).toMatchObject({ ok: true, winner: "a", votes: ["a", "a"], unparseable: 2 });
    expect(generator.calls).toBe(4);
    expect(verdict.replies).toEqual([
      "{teacher_reasoning}: hard to say.",
      expect.stringContaining("[1]"),
      "{teacher_reasoning}: hard to say.",
      expect.stringContaining("[2]"),
    ]);
  });

  it("gives no verdict when the second reply also names neither", async () => {
    const { generator, judge, trace } = setup();
    const verdict = await judgeBothOrders(
      judge,
      { prompt: "q #neither", a: "x", b: "y" },
      judgeOptions(trace, undefined),
    );
    expect(verdict).toMatchObject({ ok: false, reason: "no-verdict", unparseable: 4 });
    if (!verdict.ok) expect(verdict.detail).toMatch(/order 1, asked twice/);
    expect(generator.calls).toBe(4);
    expect(verdict.replies).toHaveLength(4);
    expect(trace.usageByModel.judge).toEqual({ promptTokens: 40, completionTokens: 20 });
    const both = await judgeBothOrders(judge, { prompt: "q #both", a: "x", b: "y" });
    expect(both).toMatchObject({ ok: false, reason: "both-verdicts" });
  });
});
