import { describe, expect, it } from "vitest";
import { localGenerator } from "../test/local-roles.js";
import { type AnchoredRow, createJudgeAnchorBuilder, type PairRow } from "./anchor-builder.js";
import type { RowOutcome } from "./builder.js";
import { InvalidFieldError } from "./errors.js";
import { createTemplateJudge } from "./template-roles.js";

const context = { key: "L4-abc", line: 4, inputId: "pair-7" };

function setup(tie?: "zero" | "down" | number) {
  const judgeModel = localGenerator("gpt-4");
  const policy = localGenerator("llama");
  const builder = createJudgeAnchorBuilder({
    judge: createTemplateJudge(judgeModel),
    policy,
    ...(tie === undefined ? {} : { tie }),
  });
  return { judgeModel, policy, builder };
}

function accepted(outcome: RowOutcome<AnchoredRow>): AnchoredRow {
  if (outcome.kind !== "accepted") throw new Error(`rejected: ${outcome.row.detail}`);
  return outcome.row;
}

describe("createJudgeAnchorBuilder", () => {
  it('anchors "zero" when the chosen answer beats the model\'s in both orders, keeping the row', async () => {
    const { builder, policy } = setup();
    const row: PairRow = {
      id: "pair-7",
      prompt: "q #prefer:great",
      chosen: "an answer, great",
      rejected: "meh",
      response: "meh",
      meta: { from: "clair" },
      anchor: "down",
    };
    const out = accepted(await builder.build(row, context));
    expect(out).toEqual({
      id: "L4-abc",
      prompt: "q #prefer:great",
      chosen: "an answer, great",
      rejected: "meh",
      response: "meh",
      anchor: "zero",
      meta: expect.objectContaining({
        dataset: "anchor",
        line: 4,
        inputId: "pair-7",
        verdict: "chosen",
        votes: ["chosen", "chosen"],
        unparseable: 0,
        inputMeta: { from: "clair" },
        template: { name: "clair-judge", version: "1" },
      }),
    });
    expect(Object.keys(out)[0]).toBe("id");
    expect(policy.calls).toBe(0);
  });

  it('anchors "down" when the model\'s own answer (sampled) wins both orders', async () => {
    const { builder, policy } = setup();
    const out = accepted(await builder.build({ prompt: "q #prefer:llama", chosen: "weak" }, context));
    expect(out.anchor).toBe("down");
    expect(out.meta.verdict).toBe("model");
    expect(out.meta.raw.policy).toBe("answer 0 to q #prefer:llama by llama");
    expect(out.meta.models).toEqual({ policy: "llama", judge: "gpt-4" });
    expect(policy.calls).toBe(1);
  });

  it("gives a split verdict, or an answer equal to the chosen one, the tie anchor", async () => {
    const split = accepted(await setup().builder.build({ prompt: "q", chosen: "x", response: "y" }, context));
    expect(split).toMatchObject({ anchor: 0.5, meta: { verdict: "split", votes: ["chosen", "model"] } });
    const zero = accepted(
      await setup("zero").builder.build({ prompt: "q", chosen: "x", response: "y" }, context),
    );
    expect(zero.anchor).toBe("zero");
    const { builder, judgeModel } = setup("down");
    const same = accepted(await builder.build({ prompt: "q", chosen: " x\n", response: "x" }, context));
    expect(same).toMatchObject({ anchor: "down", meta: { verdict: "identical" } });
    expect(judgeModel.calls).toBe(0);
  });

  it("reads the model's answer from another field, and conversational rows", async () => {
    const builder = createJudgeAnchorBuilder({
      judge: createTemplateJudge(localGenerator("gpt-4")),
      responseField: "rejected",
    });
    const out = accepted(
      await builder.build(
        {
          prompt: [{ role: "user", content: "q #prefer:fine" }],
          chosen: [{ role: "assistant", content: "fine" }],
          rejected: [{ role: "assistant", content: "bad" }],
        },
        context,
      ),
    );
    expect(out.anchor).toBe("zero");
  });

  it("rejects a row whose judge names neither answer twice, counting the replies", async () => {
    const outcome = await setup().builder.build(
      { prompt: "q #neither", chosen: "x", response: "y" },
      context,
    );
    expect(outcome).toMatchObject({
      kind: "rejected",
      row: { reason: "unparseable", meta: { dataset: "anchor", unparseable: 4 } },
    });
    expect(outcome.row.meta.raw.judge).toHaveLength(4);
  });

  it("check names the missing answer field when no policy can sample it", () => {
    const builder = createJudgeAnchorBuilder({ judge: createTemplateJudge(localGenerator("j")) });
    expect(() => builder.check?.({ prompt: "q", chosen: "x" }, 3)).toThrow(InvalidFieldError);
    expect(() => builder.check?.({ prompt: "q", chosen: "x" }, 3)).toThrow(/field "response": absent/);
    expect(() => builder.check?.({ prompt: "q", chosen: "x", response: 5 }, 3)).toThrow(/model's answer/);
    expect(() => builder.check?.({ prompt: "q", chosen: "x", response: "y" }, 3)).not.toThrow();
  });
});
