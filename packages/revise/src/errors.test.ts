import { describe, expect, it } from "vitest";
import { EndpointError, InputSyntaxError, JournalError, ReviseError } from "./errors.js";

describe("ReviseError", () => {
  it("names each error by its class and keeps its code, facts and cause", () => {
    const cause = new SyntaxError("Unexpected token");
    expect(new InputSyntaxError("in.jsonl", 3, "Unexpected token", { cause })).toMatchObject({
      name: "InputSyntaxError",
      code: "INPUT_SYNTAX",
      file: "in.jsonl",
      line: 3,
      cause,
    });
    expect(new EndpointError("gpt-4", 503, "down", true, 7)).toMatchObject({
      name: "EndpointError",
      code: "ENDPOINT_UNAVAILABLE",
      status: 503,
      attempts: 7,
    });
    expect(new ReviseError("INVALID_OPTION", "x")).toMatchObject({
      name: "ReviseError",
      code: "INVALID_OPTION",
    });
  });

  it("recognises its errors with isInstance, also those of another copy of the package", () => {
    expect(ReviseError.isInstance(new JournalError("out.jsonl", 2, "not valid JSON"))).toBe(true);
    // A second install has its own class but the same registered symbol.
    const foreign = Object.assign(new Error("x"), { [Symbol.for("@clair/revise.error")]: true });
    expect(ReviseError.isInstance(foreign)).toBe(true);
    expect(ReviseError.isInstance(new Error("x"))).toBe(false);
    expect(ReviseError.isInstance(Object.assign(new Error("x"), { code: "INPUT_SYNTAX" }))).toBe(false);
    expect(ReviseError.isInstance(undefined)).toBe(false);
    expect(ReviseError.isInstance({ code: "INPUT_SYNTAX" })).toBe(false);
  });
});
