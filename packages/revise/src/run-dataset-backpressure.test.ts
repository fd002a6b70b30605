import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { prompts, tempDir, writeJsonl } from "../test/helpers.js";
import { type DatasetBuilder, type RowOutcome, RowTrace } from "./builder.js";
import { runDataset } from "./run-dataset.js";

/**
 * A builder whose rows wait until `release()`, counting the rows its schema has parsed (the runner parses
 * a row when it reads it) and the builds started.
 */
function gatedBuilder() {
  const counts = { parsed: 0, started: 0 };
  let open: (() => void) | undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const schema = z.object({ prompt: z.string(), response: z.string() }).transform((row) => {
    counts.parsed += 1;
    return row;
  });
  const builder: DatasetBuilder<{ prompt: string; response: string }> = {
    kind: "clair",
    schema,
    prompt: (row) => row.prompt,
    async build(row, context): Promise<RowOutcome> {
      counts.started += 1;
      await gate;
      return new RowTrace().accept("clair", context, {
        prompt: row.prompt,
        chosen: `${row.response}!`,
        rejected: row.response,
        rationale: "",
      });
    },
  };
  return { builder, counts, release: () => open?.() };
}

describe("runDataset backpressure", () => {
  it("reads a row only when a slot is free: no more than one row beyond the rows in flight", async () => {
    const rows = 2000;
    const concurrency = 8;
    const dir = tempDir();
    const input = writeJsonl(join(dir, "in.jsonl"), prompts(rows));
    const { builder, counts, release } = gatedBuilder();
    const run = runDataset({ builder, input, output: join(dir, "out.jsonl"), concurrency, fsync: false });
    // The up-front validation pass parses every row once; then the run reads as it goes.
    while (counts.started < concurrency) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(counts.started).toBe(concurrency);
    expect(counts.parsed - rows).toBeLessThanOrEqual(concurrency + 1);
    release();
    const summary = await run;
    expect(summary).toMatchObject({ stoppedBy: "complete", accepted: rows });
    expect(counts.parsed).toBe(2 * rows);
  });
});
