import { describe, expect, it } from "vitest";
import { localGenerator } from "../test/local-roles.js";
import type { RowOutcome } from "./builder.js";
import { createClairBuilder } from "./clair.js";
import { InvalidFieldError } from "./errors.js";
import { PreferenceRowSchema, RejectRowSchema } from "./records.js";
import type { Reviser } from "./roles.js";
import { createTemplateReviser } from "./template-roles.js";

const context = { key: "L1-abc", line: 1 };

function accepted(outcome: RowOutcome) {
  if (outcome.kind !== "accepted") throw new Error(`rejected: ${outcome.row.reason} ${outcome.row.detail}`);
  return PreferenceRowSchema.parse(outcome.row);
}

describe("createClairBuilder", () => {
  const reviser = createTemplateReviser(localGenerator("reviser"));

  it("revises the given response and records provenance", async () => {
    const builder = createClairBuilder({ reviser });
    const row = accepted(await builder.build({ prompt: "Name a prime.", response: "9 is prime" }, context));
    expect(row).toMatchObject({
      id: "L1-abc",
      prompt: "Name a prime.",
      rejected: "9 is prime",
      chosen: "9 is prime (revised)",
      rationale: "make it clearer.",
    });
    expect(row.meta).toMatchObject({
      dataset: "clair",
      line: 1,
      models: { reviser: "reviser" },
      template: { name: "clair-reviser", version: "1" },
      usage: { promptTokens: 10, completionTokens: 5 },
    });
    expect(row.meta.raw.reviser).toContain("{corrected_student_solution}");
  });

  it("samples y_l from the policy when the row has no response", async () => {
    const policy = localGenerator("llama");
    const row = accepted(
      await createClairBuilder({ reviser, policy }).build({ prompt: "Name a prime." }, context),
    );
    expect(row.rejected).toBe("answer 0 to Name a prime. by llama");
    expect(row.chosen).toBe("answer 0 to Name a prime. by llama (revised)");
    expect(row.meta.models).toEqual({ policy: "llama", reviser: "reviser" });
    expect(row.meta.usage).toEqual({ promptTokens: 20, completionTokens: 10 });
  });

  it("names the missing response when there is no policy", async () => {
    await expect(createClairBuilder({ reviser }).build({ prompt: "x" }, context)).rejects.toBeInstanceOf(
      InvalidFieldError,
    );
  });

  it.each([
    ["#nomarker", "unparseable", /no-marker/],
    ["#identical", "identical", /same text/],
    ["#long", "length-ratio", /ratio/],
  ])("rejects %s with a reason and keeps the raw response", async (tag, reason, detail) => {
    const outcome = await createClairBuilder({ reviser }).build(
      { prompt: `q ${tag}`, response: "short answer" },
      context,
    );
    expect(outcome.kind).toBe("rejected");
    const row = RejectRowSchema.parse(outcome.row);
    expect(row).toMatchObject({ prompt: `q ${tag}`, reason });
    expect(row.detail).toMatch(detail);
    expect(row.meta.raw.reviser).toBeTypeOf("string");
  });

  it("rejects an empty answer without calling the reviser", async () => {
    const generator = localGenerator("reviser");
    const outcome = await createClairBuilder({ reviser: createTemplateReviser(generator) }).build(
      { prompt: "q", response: " " },
      context,
    );
    expect(outcome).toMatchObject({ kind: "rejected", row: { reason: "empty-answer" } });
    expect(generator.calls).toBe(0);
  });

  it("accepts a local reviser that returns parsed revisions directly", async () => {
    const upper: Reviser = {
      model: "upper",
      async revise({ response }) {
        return {
          parsed: { ok: true, revision: response.toUpperCase(), rationale: "louder" },
          raw: response.toUpperCase(),
          usage: { promptTokens: 0, completionTokens: 0 },
          model: "upper",
        };
      },
    };
    const row = accepted(
      await createClairBuilder({ reviser: upper }).build({ prompt: "p", response: "hi" }, context),
    );
    expect(row).toMatchObject({ chosen: "HI", rejected: "hi", rationale: "louder" });
    expect(row.meta.template).toBeUndefined();
  });
});
