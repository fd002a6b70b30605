import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runExample } from "./main.js";

it("scores the starting model and both epochs with clair eval through apo serve, and reports the changes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "eval-each-epoch-"));
  const { run, rows, report } = await runExample(dir, { log: () => {} });
  expect(rows.map((r) => r.epoch)).toEqual([0, 1, 2]);
  for (const row of rows) {
    expect(Object.keys(row.scores)).toEqual([
      "winRate",
      "tieRate",
      "lossRate",
      "lcWinRate",
      "candidateScore",
      "baselineScore",
    ]);
    // clair eval judged all six held-out prompts of this epoch, through both servers.
    const judged = readFileSync(join(run, "clair-eval", `epoch-${row.epoch}.jsonl`), "utf8")
      .trim()
      .split("\n");
    expect(judged).toHaveLength(6);
  }
  // Epoch 0 serves the starting model on both sides: greedy answers are equal, so every pair ties.
  expect(rows[0]?.scores.winRate).toEqual({ value: 0.5, low: 0.5, high: 0.5 });
  expect(rows[0]?.scores.tieRate?.value).toBe(1);
  expect(report).toContain("| run | winRate: max | winRate: mean |");
  expect(report).toContain("## lcWinRate");
  expect(report).toMatch(/\| start \| epoch 1 \| epoch 2 \| max change \| mean change \|/);
}, 120_000);
