import { describe, expect, it } from "vitest";
import { closest, closestFlag } from "./suggest.js";

describe("closest and closestFlag", () => {
  it("suggest what a typo meant, and nothing for what is not near", () => {
    expect(closest("revse", ["revise", "judge", "stronger"])).toBe("revise");
    expect(closest("strnoger", ["revise", "judge", "stronger"])).toBe("stronger");
    expect(closest("train", ["revise", "judge", "stronger"])).toBeUndefined();
    const flags = ["reviser-model", "reviser-max-tokens", "policy-model", "concurrency", "max-retries"];
    expect(closestFlag("modle", flags)).toBe("reviser-model");
    expect(closestFlag("reviser-modle", flags)).toBe("reviser-model");
    expect(closestFlag("max-token", flags)).toBe("reviser-max-tokens");
    expect(closestFlag("concurency", flags)).toBe("concurrency");
    expect(closestFlag("mdoe", ["judge-model", "mode", "by"])).toBe("mode");
    expect(closestFlag("bogus", flags)).toBeUndefined();
  });
});
