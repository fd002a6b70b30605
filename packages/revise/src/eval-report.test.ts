import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir, writeJsonl } from "../test/helpers.js";
import { formatEvalMarkdown, readEvalReport, writeEvalReport } from "./eval-report.js";

function result(i: number, preference: number, candidate: number, baseline: number) {
  return {
    id: `L${i}-x`,
    prompt: `p${i}`,
    candidate: "c".repeat(candidate),
    baseline: "b".repeat(baseline),
    preference,
    outcome: preference === 1 ? "win" : preference === 0 ? "loss" : "tie",
    lengths: { candidate, baseline },
    meta: {
      dataset: "eval",
      line: i,
      models: { candidate: "aligned", baseline: "base", judge: "gpt-4" },
      raw: {},
      usage: { promptTokens: 0, completionTokens: 0 },
      unparseable: i === 1 ? 1 : 0,
    },
  };
}

describe("readEvalReport", () => {
  it("summarises an output file and warns when the candidate is almost always longer", async () => {
    const dir = tempDir();
    const output = join(dir, "eval.jsonl");
    // a verbose candidate: longer in every pair, winning the longest ones
    writeJsonl(
      output,
      Array.from({ length: 40 }, (_, i) =>
        result(i + 1, i % 3 === 0 ? 0 : i % 3 === 1 ? 0.5 : 1, 200 + 10 * i, 150),
      ),
    );
    writeJsonl(`${output}.rejects.jsonl`, [{ id: "L99-x", reason: "unparseable", meta: { unparseable: 4 } }]);
    const report = await readEvalReport(output, { bootstrap: { resamples: 100 } });
    expect(report).toMatchObject({
      mode: "judge",
      models: { candidate: "aligned", baseline: "base", judge: "gpt-4" },
      pairs: 40,
      rejected: { unparseable: 1 },
      unparseableReplies: 5,
      candidateLonger: 1,
      candidateShorter: 0,
    });
    const markdown = formatEvalMarkdown(report);
    expect(markdown).toMatch(/^## aligned vs base\n/);
    expect(markdown).toContain("| metric | value | 95 % interval |");
    expect(markdown).toContain("Warning: the candidate's answer is shorter in only 0.0 % of pairs");
    await writeEvalReport(report, { markdown: join(dir, "r.md"), json: join(dir, "r.json") });
    expect(readFileSync(join(dir, "r.md"), "utf8")).toBe(markdown);
    const json = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as typeof report;
    expect(json.stats.winRate).toEqual(report.stats.winRate);
  });

  it("reports an empty output as no pairs, not as a number", async () => {
    const report = await readEvalReport(join(tempDir(), "none.jsonl"));
    expect(report.pairs).toBe(0);
    expect(formatEvalMarkdown(report)).toContain("| win rate (ties count half) | – | – |");
  });
});
