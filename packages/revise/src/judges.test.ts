import { describe, expect, it } from "vitest";
import { localGenerator } from "../test/local-roles.js";
import { createOffPolicyJudgeBuilder, pickByScore } from "./off-policy-judge.js";
import { createOnPolicyJudgeBuilder } from "./on-policy-judge.js";
import type { Generator } from "./roles.js";
import { createStrongerPreferredBuilder } from "./stronger-preferred.js";
import { createTemplateJudge } from "./template-roles.js";

const context = { key: "L2-def", line: 2 };
const judge = createTemplateJudge(localGenerator("gpt-4"));

describe("createOnPolicyJudgeBuilder", () => {
  it("samples two answers and lets the judge pick", async () => {
    const policy = localGenerator("llama");
    const builder = createOnPolicyJudgeBuilder({ policy, judge });
    const first = await builder.build({ prompt: "p" }, context);
    expect(first).toMatchObject({
      kind: "accepted",
      row: { chosen: "answer 0 to p by llama", rejected: "answer 1 to p by llama", meta: { winner: 1 } },
    });
    const second = await builder.build({ prompt: "p #judge2" }, context);
    expect(second).toMatchObject({ row: { chosen: "answer 1 to p #judge2 by llama", meta: { winner: 2 } } });
    expect(policy.calls).toBe(2);
  });

  it("asks again when the server ignores n", async () => {
    const single: Generator = {
      model: "single",
      async generate({ messages }) {
        return {
          texts: [`${messages[0]?.content} ${Math.random()}`],
          usage: { promptTokens: 1, completionTokens: 1 },
          model: "single",
        };
      },
    };
    const outcome = await createOnPolicyJudgeBuilder({ policy: single, judge }).build(
      { prompt: "p" },
      context,
    );
    expect(outcome.kind).toBe("accepted");
    expect(outcome.row.meta.raw.policy).toHaveLength(2);
  });

  it.each([
    ["p #both", "unparseable", /both-verdicts/],
    ["p #neither", "unparseable", /no-verdict/],
  ])("rejects %s", async (prompt, reason, detail) => {
    const outcome = await createOnPolicyJudgeBuilder({ policy: localGenerator("l"), judge }).build(
      { prompt },
      context,
    );
    expect(outcome).toMatchObject({ kind: "rejected", row: { reason, prompt } });
    if (outcome.kind === "rejected") expect(outcome.row.detail).toMatch(detail);
  });

  it("rejects identical samples", async () => {
    const outcome = await createOnPolicyJudgeBuilder({ policy: localGenerator("l"), judge }).build(
      { prompt: "p #same" },
      context,
    );
    expect(outcome).toMatchObject({ kind: "rejected", row: { reason: "identical" } });
  });
});

describe("createOffPolicyJudgeBuilder", () => {
  const completions = [
    { response: "mid", overall_score: 5, model: "a" },
    { response: "best", overall_score: 9, model: "b" },
    { response: "worst", overall_score: 2, model: "c" },
    { response: "also best", overall_score: 9, model: "d" },
  ];

  it("picks by score with ties to the first index, like the paper", async () => {
    expect(pickByScore(completions)).toEqual({ chosen: 1, rejected: 2 });
    const outcome = await createOffPolicyJudgeBuilder({ by: "score" }).build(
      { instruction: "q", completions },
      context,
    );
    expect(outcome).toMatchObject({
      kind: "accepted",
      row: {
        prompt: "q",
        chosen: "best",
        rejected: "worst",
        meta: { models: { chosen: "b", rejected: "c" } },
      },
    });
  });

  it("rejects a tie", async () => {
    const tied = [
      { response: "a", overall_score: 3 },
      { response: "b", overall_score: 3 },
    ];
    const outcome = await createOffPolicyJudgeBuilder({ by: "score" }).build(
      { prompt: "q", completions: tied },
      context,
    );
    expect(outcome).toMatchObject({ kind: "rejected", row: { reason: "tie" } });
  });

  it("asks the judge about the first two candidates", async () => {
    const outcome = await createOffPolicyJudgeBuilder({ by: "judge", judge }).build(
      { prompt: "q #judge2", completions },
      context,
    );
    expect(outcome).toMatchObject({ kind: "accepted", row: { chosen: "best", rejected: "mid" } });
  });
});

describe("createStrongerPreferredBuilder", () => {
  it("uses the stronger model's own answer as chosen", async () => {
    const outcome = await createStrongerPreferredBuilder({
      stronger: localGenerator("gpt-4"),
      policy: localGenerator("llama"),
    }).build({ prompt: "p" }, context);
    expect(outcome).toMatchObject({
      kind: "accepted",
      row: {
        chosen: "answer 0 to p by gpt-4",
        rejected: "answer 0 to p by llama",
        meta: { dataset: "stronger-preferred" },
      },
    });
  });

  it("uses the input response as rejected when present", async () => {
    const outcome = await createStrongerPreferredBuilder({ stronger: localGenerator("gpt-4") }).build(
      { prompt: "p", response: "mine" },
      context,
    );
    expect(outcome).toMatchObject({ row: { rejected: "mine" } });
  });
});
