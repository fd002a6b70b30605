import { describe, expect, it } from "vitest";
import { InvalidPairError } from "./errors.js";
import { answerText, pairTexts } from "./pair.js";

describe("answerText", () => {
  it("returns a string answer as is", () => {
    expect(answerText("plain")).toBe("plain");
  });

  it("takes the last assistant message of a conversation", () => {
    const conversation = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: "And?" },
      { role: "assistant", content: "Goodbye." },
    ];
    expect(answerText(conversation)).toBe("Goodbye.");
    expect(answerText(conversation.slice(0, 4))).toBe("Hello!");
  });

  it("joins the text parts of multi-part content", () => {
    expect(
      answerText([
        {
          role: "assistant",
          content: [{ type: "text", text: "a" }, { type: "image" }, { type: "text", text: "b" }],
        },
      ]),
    ).toBe("ab");
  });

  it("rejects what holds no answer, naming the side", () => {
    expect(() => answerText([{ role: "user", content: "only a question" }], "rejected")).toThrow(
      /`rejected`: the message list has no assistant message/,
    );
    expect(() => answerText(42, "chosen")).toThrow(InvalidPairError);
    expect(() => answerText([null])).toThrow(/message 0 is null/);
    expect(() => answerText([{ role: "assistant", content: 3 }])).toThrow(/content/);
  });
});

describe("pairTexts", () => {
  it("reads chosen and rejected, ignoring other fields", () => {
    expect(pairTexts({ prompt: "p", chosen: "c", rejected: "r", meta: {} })).toEqual(["c", "r"]);
  });

  it("names a missing side", () => {
    expect(() => pairTexts({ chosen: "c" })).toThrow(/`rejected`: missing/);
    expect(() => pairTexts("not an object")).toThrow(/expected an object/);
    expect(() => pairTexts(null)).toThrow(/got null/);
  });
});
