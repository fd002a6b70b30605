import { describe, expect, it } from "vitest";
import { KeySet } from "./key-set.js";
import { rowKey } from "./run-dataset.js";

describe("KeySet", () => {
  it("holds row keys packed, exactly, past many growths", () => {
    const set = new KeySet();
    const keys = Array.from({ length: 20_000 }, (_, i) => rowKey(i + 1, { prompt: `p${i}` }));
    for (const key of keys) set.add(key);
    for (const key of keys) set.add(key);
    expect(set.size).toBe(keys.length);
    expect(set.packedCount).toBe(keys.length);
    for (const key of keys) expect(set.has(key)).toBe(true);
    expect(set.has(rowKey(20_001, { prompt: "p0" }))).toBe(false);
  });

  it("tells apart keys that differ only in the line or one hex digit", () => {
    const set = new KeySet().add("L12-0123456789abcdef");
    expect(set.has("L12-0123456789abcdef")).toBe(true);
    expect(set.has("L13-0123456789abcdef")).toBe(false);
    expect(set.has("L1-0123456789abcdef")).toBe(false);
    expect(set.has("L12-0123456789abcdee")).toBe(false);
    expect(set.has("L12-1123456789abcdef")).toBe(false);
  });

  it("keeps any other spelling as a string, never confused with a packed key", () => {
    const others = [
      "L012-0123456789abcdef",
      "L0-0123456789abcdef",
      "L12-0123456789ABCDEF",
      "L12-0123456789abcde",
      "L99999999999-0123456789abcdef",
      "L-0123456789abcdef",
      "X12-0123456789abcdef",
      "custom-id",
      "",
    ];
    const set = new KeySet();
    for (const key of others) set.add(key);
    expect(set.packedCount).toBe(0);
    expect(set.size).toBe(others.length);
    for (const key of others) expect(set.has(key)).toBe(true);
    expect(set.has("L12-0123456789abcdef")).toBe(false);
  });
});
