import { describe, expect, it } from "vitest";
import { measure } from "./main.js";

describe("metrics-table1 example", () => {
  it("finds CLAIR pairs far more alike than unrelated ones", async () => {
    const [clair, control] = await measure();
    expect(clair!.name).toBe("clair");
    expect(clair!.report.count).toBe(10);
    expect(control!.report.count).toBe(10);
    expect(clair!.report.jaccard.mean).toBeGreaterThan(2 * control!.report.jaccard.mean);
    expect(clair!.report.levenshtein.mean).toBeLessThan(control!.report.levenshtein.mean);
  });
});
