import { describe, expect, it } from "vitest";
import { answerText, ChatAnswerSchema, ChatPromptSchema, promptMessages, promptText } from "./chat-prompt.js";

describe("chat prompts and answers", () => {
  it("send a string as one user message and show a conversation as role-prefixed turns", () => {
    expect(promptMessages("Hi")).toEqual([{ role: "user", content: "Hi" }]);
    expect(promptText([{ role: "user", content: "Hi" }])).toBe("Hi");
    const conversation = [
      { role: "system" as const, content: "Be brief." },
      { role: "user" as const, content: "Hi", name: "kept" },
    ];
    expect(promptText(conversation)).toBe("system: Be brief.\n\nuser: Hi");
    expect(promptMessages(conversation)).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
    ]);
  });

  it("read a conversational answer's last (assistant) message, and refuse other shapes", () => {
    expect(answerText([{ role: "assistant", content: "7" }])).toBe("7");
    expect(ChatAnswerSchema.safeParse([{ role: "user", content: "7" }]).success).toBe(false);
    expect(ChatPromptSchema.safeParse([]).success).toBe(false);
    expect(ChatPromptSchema.safeParse(5).success).toBe(false);
  });
});
