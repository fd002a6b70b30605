import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OBJECTIVES } from "./align.js";
import { DATASET_NAMES } from "./datasets.js";
import { QUICK_DEMO } from "./demo-config.js";
import { FIGURE_FILES } from "./report.js";
import { runDemo } from "./run-demo.js";

interface Results {
  smoke: boolean;
  accuracyBefore: number;
  cells: { dataset: string; objective: string; accuracies: number[]; trajectory: { step: number }[] }[];
}

const quickRun = async () => {
  const out = mkdtempSync(join(tmpdir(), "apo-demo-"));
  const lines: string[] = [];
  const report = await runDemo(QUICK_DEMO, out, (l) => lines.push(l));
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as Results;
  return { out, lines, report: readFileSync(report, "utf8"), results };
};

describe("the demo (quick sizes)", () => {
  let first: Awaited<ReturnType<typeof quickRun>>;

  it("runs every stage: four datasets × every objective, a checkpoint per epoch, every figure linked", async () => {
    first = await quickRun();
    const { out, lines, report, results } = first;
    expect(report).toContain("## Table 1");
    expect(report).toContain("## Table 2");
    for (const name of DATASET_NAMES) expect(report).toContain(`| ${name} |`);
    for (const file of Object.values(FIGURE_FILES)) {
      expect(readFileSync(join(out, file), "utf8").startsWith("<svg")).toBe(true);
      expect(report).toContain(`](${file})`);
    }
    expect(results.cells).toHaveLength(DATASET_NAMES.length * Object.keys(OBJECTIVES).length);
    for (const cell of results.cells) {
      expect(cell.accuracies).toHaveLength(QUICK_DEMO.epochs);
      expect(cell.trajectory[0]?.step).toBe(0);
    }
    const clair = readFileSync(join(out, "data", "clair.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(clair.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes("6/6"))).toBe(true);
  });

  it("says it is a smoke run and makes no claim", () => {
    const { report, results } = first;
    expect(results.smoke).toBe(true);
    expect(report).toContain("Smoke run");
    expect(report).not.toMatch(/\bbest\b|headline|\bholds\b/i);
    expect(report).not.toContain("## The paper's claims");
  });

  it("is seeded: a second run gives the same numbers", async () => {
    // Two objectives are enough to compare; SFT first, as in the full run, computes the reference.
    const out = mkdtempSync(join(tmpdir(), "apo-demo-"));
    await runDemo({ ...QUICK_DEMO, objectives: ["SFT", "APO-anchored"] }, out, () => {});
    const second = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as Results;
    expect(second.accuracyBefore).toBe(first.results.accuracyBefore);
    expect(second.cells).toEqual(
      first.results.cells.filter((c) => c.objective === "SFT" || c.objective === "APO-anchored"),
    );
  });
});
