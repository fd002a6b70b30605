import { describe, expect, it } from "vitest";
import { BatchAnswers } from "./batch-answers.js";

const line = (id: string, text: string) =>
  JSON.stringify({ custom_id: id, response: { status_code: 200, body: { text } }, error: null });

describe("BatchAnswers", () => {
  it("indexes JSON lines of several files and parses an answer when asked", async () => {
    const answers = new BatchAnswers();
    const encoder = new TextEncoder();
    await answers.add(
      encoder.encode(
        `${line("a#0", "héllo ✓ \u2028 \\n")}\r\n\n  \r\n${line("b#0", "")}\n${line("c#0", "x")}`,
      ),
    );
    await answers.add(
      encoder.encode(
        `${JSON.stringify({ custom_id: "d#0", response: null, error: { message: "expired" } })}\n`,
      ),
    );
    await answers.add(new Uint8Array(0));
    expect(answers.size).toBe(4);
    expect(answers.get("a#0")?.response?.body).toEqual({ text: "héllo ✓ \u2028 \\n" });
    expect(answers.get("c#0")?.response?.body).toEqual({ text: "x" });
    expect(answers.get("d#0")?.error?.message).toBe("expired");
    expect(answers.has("b#0")).toBe(true);
    expect(answers.has("e#0")).toBe(false);
    expect(answers.get("e#0")).toBeUndefined();
    // Asking twice gives equal, separate objects (nothing parsed is kept).
    expect(answers.get("a#0")).toEqual(answers.get("a#0"));
    expect(answers.get("a#0")).not.toBe(answers.get("a#0"));
  });

  it("names nothing it cannot parse: a malformed line throws", async () => {
    await expect(new BatchAnswers().add(new TextEncoder().encode('{"custom_id": "a#0"\n'))).rejects.toThrow(
      SyntaxError,
    );
  });
});
