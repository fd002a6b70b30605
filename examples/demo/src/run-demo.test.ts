import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readEpochEvals, summariseEpochEvals } from "@apo/trainer";
import { describe, expect, it } from "vitest";
import { OBJECTIVES } from "./align.js";
import { DATASET_NAMES, slug } from "./datasets.js";
import { QUICK_DEMO } from "./demo-config.js";
import { FIGURE_FILES } from "./report.js";
import { type DemoResultsJson, runDemo } from "./run-demo.js";

const quickRun = async () => {
  const out = mkdtempSync(join(tmpdir(), "apo-demo-"));
  const lines: string[] = [];
  const report = await runDemo(QUICK_DEMO, out, (l) => lines.push(l));
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as DemoResultsJson;
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
    expect(lines.some((l) => l.includes("7/7"))).toBe(true);
  });

  it("anchors every training pair with clair anchor's builder and counts them against the hand rule", () => {
    const { out, lines, report, results } = first;
    for (const d of results.datasets) {
      const a = d.anchors;
      expect(a.pairs, d.name).toBe(d.trainPairs);
      expect(a.zero + a.down + a.tie, d.name).toBe(a.pairs);
      expect(a.handZero, d.name).toBeLessThanOrEqual(a.pairs);
      for (const share of [a.agreement, a.decidedAgreement]) {
        if (!Number.isNaN(share)) expect(share).toBeGreaterThanOrEqual(0);
        if (!Number.isNaN(share)) expect(share).toBeLessThanOrEqual(1);
      }
      // The anchor file has one row per training pair, each anchor one the loss reads.
      const rows = readFileSync(join(out, "data", `${slug(d.name)}.anchored.jsonl`), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { anchor: unknown });
      expect(rows).toHaveLength(a.pairs);
      const tally = { zero: 0, down: 0, tie: 0 };
      for (const { anchor } of rows) {
        if (anchor === "zero") tally.zero += 1;
        else if (anchor === "down") tally.down += 1;
        else {
          expect(anchor).toBe(0.5);
          tally.tie += 1;
        }
      }
      expect(tally).toEqual({ zero: a.zero, down: a.down, tie: a.tie });
      expect(report).toContain(
        `| ${d.name} | ${a.pairs} | ${a.zero} | ${a.down} | ${a.tie} | ${a.handZero} |`,
      );
    }
    expect(
      lines.some((l) => /anchors \(checker judge.* zero, .* down, .* tied → 0\.5; the hand rule/.test(l)),
    ).toBe(true);
  });

  it("compares the chosen cell's last checkpoint with the start through clair eval's library", () => {
    const { out, report, results } = first;
    const e = results.checkpointEval;
    expect(e).toBeDefined();
    if (e === undefined) return;
    expect([e.dataset, e.objective, e.epoch]).toEqual(["CLAIR", "APO-anchored", QUICK_DEMO.epochs]);
    for (const c of [e.verifiable, e.judge]) {
      expect(c.pairs).toBe(results.evalPrompts);
      expect(c.wins + c.ties + c.losses).toBe(c.pairs);
      for (const x of [c.winRate, c.tieRate, c.lossRate]) {
        for (const v of [x.value, x.low, x.high]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
        expect(x.low).toBeLessThanOrEqual(x.value);
        expect(x.high).toBeGreaterThanOrEqual(x.value);
      }
      expect(c.winRate.value).toBeCloseTo((c.wins + c.ties / 2) / c.pairs, 12);
    }
    // The verifiable mode scores as the demo does: its accuracies are the start's and the last epoch's.
    const cell = results.cells.find((c) => c.dataset === e.dataset && c.objective === e.objective);
    expect(e.verifiable.mode).toBe("verifiable");
    expect(e.verifiable.candidateAccuracy?.value).toBeCloseTo(cell?.accuracies.at(-1) ?? -1, 12);
    expect(e.verifiable.baselineAccuracy?.value).toBeCloseTo(results.accuracyBefore, 12);
    expect(e.judge.mode).toBe("judge");
    expect(report).toContain("`clair eval` on CLAIR × APO-anchored");
    expect(readFileSync(join(out, "eval", "verifiable.md"), "utf8")).toContain("win rate");
  });

  it("writes each cell's accuracy as the trainer's epoch evaluations, whose Table 2 is the demo's", async () => {
    const { out, report, results } = first;
    for (const cell of results.cells) {
      const dir = join(out, "runs", `${slug(cell.dataset)}--${slug(cell.objective)}`);
      const rows = await readEpochEvals(dir);
      expect(rows.map((r) => r.epoch)).toEqual([0, ...cell.accuracies.map((_, i) => i + 1)]);
      const m = summariseEpochEvals(rows, dir).metrics[0];
      expect(m?.start?.value).toBe(results.accuracyBefore);
      expect(m?.maxChange).toBeCloseTo(cell.maxDelta, 12);
      expect(m?.meanChange).toBeCloseTo(cell.meanDelta, 12);
      expect(m?.bestEpoch).toBe(cell.bestEpoch);
      expect(cell.trainer).toEqual({
        maxChange: m?.maxChange,
        meanChange: m?.meanChange,
        bestEpoch: m?.bestEpoch,
      });
    }
    const table = readFileSync(join(out, "epoch-evals.md"), "utf8");
    expect(table).toContain("| CLAIR × APO-anchored |");
    expect(report).toContain("](epoch-evals.md)");
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
    const second = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as DemoResultsJson;
    expect(second.accuracyBefore).toBe(first.results.accuracyBefore);
    expect(second.cells).toEqual(
      first.results.cells.filter((c) => c.objective === "SFT" || c.objective === "APO-anchored"),
    );
  });
});
