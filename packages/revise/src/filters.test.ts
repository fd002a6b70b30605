import { describe, expect, it } from "vitest";
import { notebookRows } from "../test/fixtures.js";
import { checkPair, checkRevision } from "./filters.js";
import { parseRevision } from "./parse-revision.js";

describe("filters", () => {
  it("rejects empty and identical pairs with reasons", () => {
    expect(checkPair("", "x")).toMatchObject({ ok: false, reason: "empty-answer" });
    expect(checkPair("x", "  ")).toMatchObject({ ok: false, reason: "empty-answer" });
    expect(checkPair("a  b\n", "a b")).toMatchObject({ ok: false, reason: "identical" });
    expect(checkPair("a b", "a c")).toEqual({ ok: true });
  });

  it("rejects a length change beyond the ratio, with the numbers in the detail", () => {
    const verdict = checkRevision("a".repeat(1000), "b".repeat(200));
    expect(verdict).toMatchObject({ ok: false, reason: "length-ratio" });
    if (!verdict.ok) expect(verdict.detail).toContain("200 to 1000");
    expect(checkRevision("b".repeat(200), "a".repeat(1000))).toMatchObject({ reason: "length-ratio" });
  });

  it("allows small absolute changes and is configurable", () => {
    expect(checkRevision("Yes, because it is prime.", "Yes.")).toEqual({ ok: true });
    expect(checkRevision("Yes, because it is prime.", "Yes.", { lengthSlack: 0 })).toMatchObject({
      ok: false,
    });
    expect(checkRevision("a".repeat(1000), "b".repeat(200), { maxLengthRatio: Infinity })).toEqual({
      ok: true,
    });
  });

  it("counts code points, not UTF-16 units", () => {
    expect(checkRevision("😀".repeat(4), "ab", { maxLengthRatio: 1.5, lengthSlack: 0 })).toMatchObject({
      detail: expect.stringContaining("from 2 to 4"),
    });
  });

  it("keeps 19 of the 20 real GPT-4 revisions and rejects the off-topic one", () => {
    const verdicts = notebookRows().map((row) => {
      const parsed = parseRevision(row.response);
      if (!parsed.ok) throw new Error(row.id);
      return [row.id, checkRevision(parsed.revision, row.rejected).ok] as const;
    });
    expect(verdicts.filter(([, ok]) => !ok).map(([id]) => id)).toEqual(["clair-nb-12"]);
  });
});
