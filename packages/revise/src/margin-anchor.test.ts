import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir, writeJsonl } from "../test/helpers.js";
import type { AnchoredRow } from "./anchor-builder.js";
import type { RowOutcome } from "./builder.js";
import { InvalidFieldError } from "./errors.js";
import { createMarginAnchorBuilder, readReferenceLogProbs } from "./margin-anchor.js";

const context = { key: "L1-x", line: 1 };
const pair = { prompt: "p", chosen: "c", rejected: "r" };

function anchorOf(outcome: RowOutcome<AnchoredRow>): unknown {
  if (outcome.kind !== "accepted") throw new Error(outcome.row.detail);
  return outcome.row.anchor;
}

describe("createMarginAnchorBuilder", () => {
  it('anchors "down" where the reference prefers chosen per token by more than the threshold', async () => {
    const builder = createMarginAnchorBuilder({ threshold: 0.1 });
    // per token: -20/40 - (-30/20) = -0.5 + 1.5 = 1 > 0.1
    const up = { ...pair, chosen_logp: -20, rejected_logp: -30, chosen_tokens: 40, rejected_tokens: 20 };
    const outcome = await builder.build(up, context);
    expect(anchorOf(outcome)).toBe("down");
    expect(outcome.row.meta).toMatchObject({ verdict: "margin", margin: 1 });
    // per token: -60/20 - (-10/20) = -2.5
    const down = { ...pair, chosen_logp: -60, rejected_logp: -10, chosen_tokens: 20, rejected_tokens: 20 };
    expect(anchorOf(await builder.build(down, context))).toBe("zero");
  });

  it("sums over the sequence, and gives soft anchors with a scale", async () => {
    const row = { ...pair, chosen_logp: -20, rejected_logp: -22 };
    expect(anchorOf(await createMarginAnchorBuilder({ unit: "sequence" }).build(row, context))).toBe("down");
    const soft = anchorOf(
      await createMarginAnchorBuilder({ unit: "sequence", scale: 2 }).build(row, context),
    );
    expect(soft).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
  });

  it("names the missing field, and rejects a completion of 0 tokens", async () => {
    const builder = createMarginAnchorBuilder();
    expect(() => builder.check?.({ ...pair, chosen_logp: -1, rejected_logp: -2 }, 1)).toThrow(
      /field "chosen_tokens": absent/,
    );
    expect(() => builder.check?.({ ...pair, chosen_logp: "x" }, 1)).toThrow(InvalidFieldError);
    const empty = { ...pair, chosen_logp: 0, rejected_logp: -2, chosen_tokens: 0, rejected_tokens: 3 };
    expect(await builder.build(empty, context)).toMatchObject({
      kind: "rejected",
      row: { reason: "empty-answer" },
    });
  });
});

describe("readReferenceLogProbs", () => {
  it("joins apo logprobs rows to the pair file's rows in order, checking ids", async () => {
    const dir = tempDir();
    const pairs = join(dir, "pairs.jsonl");
    writeJsonl(pairs, [{ id: "a", ...pair }, { ...pair }]);
    const ref = writeJsonl(join(dir, "ref.jsonl"), [
      { id: "a", chosen_logp: -1, rejected_logp: -2, chosen_tokens: 1, rejected_tokens: 2 },
      { chosen_logp: -3, rejected_logp: -4, chosen_tokens: 3, rejected_tokens: 4 },
    ]);
    const lookup = await readReferenceLogProbs(ref, pairs);
    expect(lookup(2)).toEqual({ chosen_logp: -3, rejected_logp: -4, chosen_tokens: 3, rejected_tokens: 4 });
    expect(lookup(3)).toBeUndefined();
    const builder = createMarginAnchorBuilder({ lookup });
    expect(anchorOf(await builder.build({ ...pair }, context))).toBe("zero");

    writeJsonl(ref, [
      { id: "b", chosen_logp: -1, rejected_logp: -2 },
      { chosen_logp: -3, rejected_logp: -4 },
    ]);
    await expect(readReferenceLogProbs(ref, pairs)).rejects.toThrow(`${ref}:1: field "id"`);
    writeJsonl(ref, [{ chosen_logp: -1, rejected_logp: -2 }]);
    await expect(readReferenceLogProbs(ref, pairs)).rejects.toThrow(/1 rows, but .* has 2/);
  });
});
