import { describe, expect, it } from "vitest";
import { notebookRows } from "../test/fixtures.js";
import { parseRevision } from "./parse-revision.js";

function ok(text: string): { revision: string; rationale: string } {
  const parsed = parseRevision(text);
  if (!parsed.ok) throw new Error(`expected a revision, got ${parsed.reason}`);
  return parsed;
}

describe("parseRevision on the 20 real GPT-4 responses", () => {
  const rows = notebookRows();

  it("has the 20 fixtures", () => {
    expect(rows).toHaveLength(20);
  });

  it.each(rows.map((row) => [row.id, row] as const))("%s parses like the notebook, cleaner", (_, row) => {
    const parsed = ok(row.response);
    const at = row.response.indexOf("{corrected_student_solution}");
    const notebook = row.response
      .slice(at + "{corrected_student_solution}".length)
      .trim()
      .replace(/^:/, "")
      .trim();
    expect(parsed.revision).toBe(notebook);
    expect(parsed.revision).not.toMatch(/^[:*]/);
    expect(parsed.rationale.length).toBeGreaterThan(20);
    expect(parsed.rationale).not.toContain("{teacher_reasoning}");
    expect(parsed.rationale).not.toMatch(/^:/);
    expect(row.response).toContain(parsed.rationale);
  });
});

describe("parseRevision marker variants", () => {
  it.each([
    ["notebook colon", "{teacher_reasoning}: why\n\n{corrected_student_solution}: fixed"],
    ["notebook bare", "{teacher_reasoning}\n\nwhy\n\n{corrected_student_solution}\n\nfixed"],
    ["title case bold", "**Teacher Reasoning:** why\n\n**Corrected Student Solution:**\nfixed"],
    ["bold around braces", "**{teacher_reasoning}**: why\n\n**{corrected_student_solution}**: fixed"],
    ["colon inside bold", "**{teacher_reasoning}:** why\n\n**{corrected_student_solution}:**\n\nfixed"],
    ["heading", "## {teacher_reasoning}\nwhy\n\n### {corrected_student_solution}\nfixed"],
    ["plain heading", "Teacher reasoning:\nwhy\n\nCorrected student solution:\nfixed"],
    ["underscore bold", "__{teacher_reasoning}__: why\n\n__{corrected_student_solution}__:\nfixed"],
  ])("%s", (_, text) => {
    expect(parseRevision(text)).toEqual({ ok: true, revision: "fixed", rationale: "why" });
  });

  it("keeps markdown that belongs to the revision", () => {
    const parsed = ok("{teacher_reasoning}: why\n\n{corrected_student_solution}: **Bold** start\n- item");
    expect(parsed.revision).toBe("**Bold** start\n- item");
  });

  it("is not cut short by the marker mentioned inside the reasoning", () => {
    const text =
      "{teacher_reasoning}: I will keep the list, and the {corrected_student_solution} below keeps it too.\n\n" +
      "{corrected_student_solution}: The list:\n1. one\n2. two";
    const parsed = ok(text);
    expect(parsed.revision).toBe("The list:\n1. one\n2. two");
    expect(parsed.rationale).toContain("I will keep the list");
  });

  it("uses the notebook's first-match rule when no marker heads a line", () => {
    const parsed = ok(
      "Reasoning here. {corrected_student_solution}: the answer {corrected_student_solution}: tail",
    );
    expect(parsed.revision).toBe("the answer");
    expect(parsed.rationale).toBe("Reasoning here.");
  });

  it("splits off reasoning written after the revision", () => {
    const parsed = ok("{corrected_student_solution}:\nfixed text\n\n{teacher_reasoning}: because");
    expect(parsed).toEqual({ ok: true, revision: "fixed text", rationale: "because" });
  });

  it("keeps the whole prefix as rationale when there is no reasoning marker", () => {
    expect(ok("Some thoughts.\n\n{corrected_student_solution}\nfixed").rationale).toBe("Some thoughts.");
  });

  it("does not treat prose about a corrected student solution as a marker", () => {
    expect(parseRevision("The corrected student solution should be shorter.")).toMatchObject({
      ok: false,
      reason: "no-marker",
    });
  });

  it.each([
    ["no marker", "Here is a better answer: 4", "no-marker"],
    ["empty", "  \n ", "empty-response"],
    ["marker at the end", "{teacher_reasoning}: why\n\n{corrected_student_solution}:\n\n", "empty-revision"],
    [
      "only markdown after",
      "{teacher_reasoning}: why\n\n**Corrected Student Solution:**  ",
      "empty-revision",
    ],
  ])("rejects %s", (_, text, reason) => {
    const parsed = parseRevision(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.reason).toBe(reason);
      expect(parsed.detail.length).toBeGreaterThan(0);
    }
  });
});
