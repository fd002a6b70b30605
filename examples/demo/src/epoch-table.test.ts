import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trainerTable2, writeEpochEvals } from "./epoch-table.js";
import { checkpointChange } from "./stats.js";

/** Per-prompt outcomes with `right` of 10 prompts correct. */
const outcomes = (right: number) => Uint8Array.from({ length: 10 }, (_, i) => (i < right ? 1 : 0));

describe("the demo's accuracy as the trainer's epoch evaluations", () => {
  it("gives the demo's max and mean change through summariseEpochEvals", async () => {
    const change = checkpointChange(outcomes(4), [outcomes(6), outcomes(7), outcomes(3)]);
    const run = join(mkdtempSync(join(tmpdir(), "demo-epochs-")), "runs", "clair--apo-zero");
    const summary = await writeEpochEvals(run, "CLAIR × APO-zero", 0.4, change.accuracies, 10);
    const t = trainerTable2(summary, change);
    expect(t.maxChange).toBeCloseTo(0.3, 12);
    expect(t.bestEpoch).toBe(2);
    expect(t.meanChange).toBeCloseTo((0.2 + 0.3 - 0.1) / 3, 12);
    expect(readFileSync(join(run, "epoch-evals.md"), "utf8")).toContain(
      "| CLAIR × APO-zero | +0.3 | +0.1333 |",
    );
  });

  it("refuses a summary that disagrees with the demo's own numbers", async () => {
    const change = checkpointChange(outcomes(4), [outcomes(6)]);
    const run = join(mkdtempSync(join(tmpdir(), "demo-epochs-")), "run");
    const other = await writeEpochEvals(run, "other", 0.4, [0.5], 10);
    expect(() => trainerTable2(other, change)).toThrow(
      /^other: summariseEpochEvals gives max 0\.0999.*the demo 0\.1999/,
    );
  });
});
