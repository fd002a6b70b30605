import { describe, expect, it } from "vitest";
import { ReviseError } from "./errors.js";
import {
  DEFAULT_JUDGE_PROMPT,
  DEFAULT_REVISER_PROMPT,
  JUDGE_PROMPTS,
  REVISER_PROMPTS,
  renderPrompt,
} from "./prompts.js";

describe("prompts", () => {
  it("renders the notebook's reviser prompt as one user message", () => {
    const messages = renderPrompt(DEFAULT_REVISER_PROMPT, { instruction: "What is 2+2?", response: "5" });
    expect(messages).toHaveLength(1);
    const content = messages[0]?.content ?? "";
    expect(
      content.startsWith("You are a teacher and your task is to minimally improve a student's answer."),
    ).toBe(true);
    expect(content).toContain(
      "{task}: What is 2+2?\n\n{student_solution}: 5\n\n-----------------\n\nLet's first",
    );
    expect(content.endsWith("identifiers to structure your answer.\n\n")).toBe(true);
  });

  it("renders the judge prompt with both answers", () => {
    const [message] = renderPrompt(DEFAULT_JUDGE_PROMPT, {
      instruction: "x",
      response_1: "a",
      response_2: "b",
    });
    expect(message?.content).toContain(
      "{student_solution_1}: a\n\n{student_solution_2}: b\n\n-----------------",
    );
    expect(message?.content).toContain("must contain [1] if {student_solution_1} was best, else [2]");
  });

  it("does not expand placeholders inside values", () => {
    const [message] = renderPrompt(DEFAULT_REVISER_PROMPT, { instruction: "{{response}}", response: "r" });
    expect(message?.content).toContain("{task}: {{response}}");
  });

  it("adds a system message only when the template has one", () => {
    const custom = { name: "mine", version: "2", system: "Be brief.", user: "{{instruction}}" };
    expect(renderPrompt(custom, { instruction: "hi" })).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "hi" },
    ]);
  });

  it("names a missing placeholder", () => {
    expect(() => renderPrompt(DEFAULT_REVISER_PROMPT, { instruction: "x" })).toThrow(ReviseError);
    expect(() => renderPrompt(DEFAULT_REVISER_PROMPT, { instruction: "x" })).toThrow(/\{\{response\}\}/);
  });

  it("versions every template", () => {
    for (const template of [...Object.values(REVISER_PROMPTS), ...Object.values(JUDGE_PROMPTS)]) {
      expect(template.version).toMatch(/^\d+$/);
    }
  });
});
