import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { QUICK_DEMO } from "./demo-config.js";
import { runDemo } from "./run-demo.js";

it("runs every stage of the demo (quick sizes) and writes the report, Table 1, Table 2 and Figure 4", async () => {
  const out = mkdtempSync(join(tmpdir(), "apo-demo-"));
  const lines: string[] = [];
  const report = await runDemo(QUICK_DEMO, out, (l) => lines.push(l));
  const text = readFileSync(report, "utf8");
  expect(text).toContain("## Table 1");
  expect(text).toContain("## Table 2");
  for (const name of ["CLAIR", "Stronger preferred", "On-policy judge"])
    expect(text).toContain(`| ${name} |`);
  for (const file of [
    "figure3.svg",
    "figure4-clair.svg",
    "figure4-stronger-preferred.svg",
    "figure4-on-policy-judge.svg",
  ]) {
    expect(readFileSync(join(out, file), "utf8").startsWith("<svg")).toBe(true);
  }
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
    cells: { dataset: string; loss: string; accuracy: number; trajectory: { step: number }[] }[];
  };
  expect(results.cells).toHaveLength(9);
  for (const cell of results.cells) {
    expect(cell.accuracy).toBeGreaterThanOrEqual(0);
    expect(cell.trajectory.at(-1)?.step).toBe(QUICK_DEMO.alignSteps);
  }
  // CLAIR's minimal revisions change only the number: closer pairs than the stronger model's answers.
  const clair = readFileSync(join(out, "data", "clair.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  expect(clair.length).toBeGreaterThan(0);
  expect(lines.some((l) => l.includes("6/6"))).toBe(true);
});

it("is seeded: two quick runs give the same numbers", async () => {
  const read = async () => {
    const out = mkdtempSync(join(tmpdir(), "apo-demo-"));
    await runDemo({ ...QUICK_DEMO, alignSteps: 2, evalEvery: 1 }, out, () => {});
    const r = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
      cells: unknown;
      accuracyBefore: number;
    };
    return { cells: r.cells, before: r.accuracyBefore };
  };
  expect(await read()).toEqual(await read());
});
