import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MODEL_TYPES } from "../../config/parse-model-config.js";
import { FAMILIES } from "./index.js";

describe("model family registry", () => {
  it("registers every family file", () => {
    const files = readdirSync(new URL(".", import.meta.url))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "index.ts")
      .map((f) => f.replace(/\.ts$/, ""));
    for (const file of files) {
      expect(FAMILIES, `add \`${file}\` to FAMILIES in models/families/index.ts`).toHaveProperty(file);
    }
    for (const [name, family] of Object.entries(FAMILIES)) expect(family.family).toBe(name);
  });
  it("maps every model_type to a registered family", () => {
    for (const family of Object.values(MODEL_TYPES)) expect(Object.keys(FAMILIES)).toContain(family);
  });
});
