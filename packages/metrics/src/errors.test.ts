import { describe, expect, it } from "vitest";
import { InvalidLineError, InvalidPairError, MetricsError } from "./errors.js";

describe("MetricsError", () => {
  it("names each error by its class and keeps its code, facts and cause", () => {
    const cause = new Error("ENOENT");
    const base = new MetricsError("INVALID_OPTION", "no such file", { cause });
    expect(base).toMatchObject({ name: "MetricsError", code: "INVALID_OPTION", cause });
    expect(new InvalidPairError("chosen", "missing", 2)).toMatchObject({
      name: "InvalidPairError",
      code: "INVALID_PAIR",
      field: "chosen",
      index: 2,
    });
    expect(new InvalidLineError("a.jsonl", 3, "not valid JSON")).toMatchObject({
      name: "InvalidLineError",
      code: "INVALID_LINE",
      file: "a.jsonl",
      line: 3,
    });
  });

  it("recognises its errors with isInstance, also those of another copy of the package", () => {
    expect(MetricsError.isInstance(new InvalidLineError("a.jsonl", 1, "x"))).toBe(true);
    // A second install has its own class but the same registered symbol.
    const foreign = Object.assign(new Error("x"), { [Symbol.for("@clair/metrics.error")]: true });
    expect(MetricsError.isInstance(foreign)).toBe(true);
    expect(MetricsError.isInstance(new Error("x"))).toBe(false);
    expect(MetricsError.isInstance(Object.assign(new Error("x"), { code: "INVALID_LINE" }))).toBe(false);
    expect(MetricsError.isInstance(null)).toBe(false);
    expect(MetricsError.isInstance("INVALID_LINE")).toBe(false);
  });
});
