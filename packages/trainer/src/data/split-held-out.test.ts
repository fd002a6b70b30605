import { describe, expect, it } from "vitest";
import { splitHeldOut } from "./split-held-out.js";

describe("splitHeldOut", () => {
  it("holds out a seeded fraction, at least one item", () => {
    const items = [...Array(20).keys()];
    const { train, heldOut } = splitHeldOut(items, 0.1, 3);
    expect(heldOut).toHaveLength(2);
    expect([...train, ...heldOut].sort((x, y) => x - y)).toEqual(items);
    expect(splitHeldOut(items, 0.1, 3)).toEqual({ train, heldOut });
    expect(splitHeldOut([1, 2, 3], 0.01, 0).heldOut).toHaveLength(1);
    expect(splitHeldOut(items, 0, 3).heldOut).toEqual([]);
    expect(() => splitHeldOut(items, 1, 3)).toThrow(/evalFraction/);
  });
});
