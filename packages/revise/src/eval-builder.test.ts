import { describe, expect, it } from "vitest";
import { localGenerator } from "../test/local-roles.js";
import { regexScorer } from "./answer-scorer.js";
import type { RowOutcome } from "./builder.js";
import { ReviseError } from "./errors.js";
import { createPairwiseEvalBuilder, type EvalResultRow } from "./eval-builder.js";
import { createTemplateJudge } from "./template-roles.js";

const context = { key: "L2-e", line: 2 };

function row(outcome: RowOutcome<EvalResultRow>): EvalResultRow {
  if (outcome.kind !== "accepted") throw new Error(outcome.row.detail);
  return outcome.row;
}

function judged() {
  const judge = localGenerator("gpt-4");
  const builder = createPairwiseEvalBuilder({
    candidate: localGenerator("aligned"),
    baseline: localGenerator("base"),
    judge: createTemplateJudge(judge),
  });
  return { builder, judge };
}

describe("createPairwiseEvalBuilder", () => {
  it("samples both answers and scores the judge's two orders: win, loss, split", async () => {
    const { builder } = judged();
    const win = row(await builder.build({ prompt: "q #prefer:aligned" }, context));
    expect(win).toMatchObject({
      id: "L2-e",
      candidate: "answer 0 to q #prefer:aligned by aligned",
      baseline: "answer 0 to q #prefer:aligned by base",
      preference: 1,
      outcome: "win",
      lengths: { candidate: 40, baseline: 37 },
      meta: {
        dataset: "eval",
        votes: ["candidate", "candidate"],
        models: { candidate: "aligned", baseline: "base", judge: "gpt-4" },
      },
    });
    // the answers are in the row, not twice
    expect(Object.keys(win.meta.raw)).toEqual(["judge"]);
    expect(row(await builder.build({ prompt: "q #prefer:base" }, context))).toMatchObject({
      preference: 0,
      outcome: "loss",
    });
    expect(row(await builder.build({ prompt: "q" }, context))).toMatchObject({
      preference: 0.5,
      outcome: "tie",
      meta: { votes: ["candidate", "baseline"] },
    });
  });

  it("takes answers from the row, and calls equal answers a tie without asking the judge", async () => {
    const { builder, judge } = judged();
    const out = row(await builder.build({ prompt: "q", candidate: " same ", baseline: "same" }, context));
    expect(out).toMatchObject({ preference: 0.5, meta: { verdict: "identical" } });
    expect(judge.calls).toBe(0);
  });

  it("rejects a row whose judge names neither answer twice in one order", async () => {
    const outcome = await judged().builder.build({ prompt: "q #neither" }, context);
    expect(outcome).toMatchObject({
      kind: "rejected",
      row: { reason: "unparseable", meta: { unparseable: 4 } },
    });
  });

  it("scores verifiable answers without a judge", async () => {
    const builder = createPairwiseEvalBuilder({ score: regexScorer("is (\\d+)") });
    const out = row(
      await builder.build(
        { prompt: "6*7?", answer: "42", candidate: "it is 42", baseline: "it is 41" },
        context,
      ),
    );
    expect(out).toMatchObject({ preference: 1, scores: { candidate: 1, baseline: 0 } });
    const both = row(
      await builder.build(
        { prompt: "6*7?", answer: "42", candidate: "it is 42", baseline: "is 42" },
        context,
      ),
    );
    expect(both.preference).toBe(0.5);
    const user = createPairwiseEvalBuilder({ score: async (answer) => answer.length / 10 });
    expect(
      row(await user.build({ prompt: "p", candidate: "12345", baseline: "123" }, context)).scores,
    ).toEqual({
      candidate: 0.5,
      baseline: 0.3,
    });
    const bad = createPairwiseEvalBuilder({ score: () => 3 });
    await expect(bad.build({ prompt: "p", candidate: "a", baseline: "b" }, context)).rejects.toThrow(
      ReviseError,
    );
  });

  it("check names what a row lacks before any request", () => {
    const builder = createPairwiseEvalBuilder({ baseline: localGenerator("b"), score: regexScorer("x") });
    expect(() => builder.check?.({ prompt: "p", answer: "x" }, 1)).toThrow(/field "candidate": absent/);
    expect(() => builder.check?.({ prompt: "p", candidate: "c" }, 1)).toThrow(/field "answer": absent/);
    expect(() => builder.check?.({ prompt: "p", candidate: "c", answer: 1 }, 1)).not.toThrow();
    expect(() => createPairwiseEvalBuilder({})).toThrow(/field "judge"/);
  });
});
