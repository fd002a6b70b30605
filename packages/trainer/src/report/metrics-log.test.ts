import { appendFile, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EvalMetrics } from "./evaluate-pairs.js";
import { MetricsLog } from "./metrics-log.js";
import { repairTail } from "./repair-tail.js";

const at = (step: number): EvalMetrics => ({
  step,
  epoch: step / 4,
  pairs: 2,
  chosen_logp: -1,
  rejected_logp: -2,
  chosen_reward: 0.1,
  rejected_reward: -0.1,
  reward_margin: 0.2,
  reward_accuracy: 1,
  loss: 0.5,
});

describe("metrics log", () => {
  it("cuts off a torn last line on resume, with a note, and keeps the steps up to the checkpoint", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-metrics-"));
    const file = join(dir, "metrics.jsonl");
    await writeFile(file, [at(0), at(2), at(4)].map((m) => `${JSON.stringify(m)}\n`).join(""));
    // A kill during the append of step 6.
    await appendFile(file, JSON.stringify(at(6)).slice(0, 25));
    const notes: string[] = [];
    const log = await MetricsLog.open(file, { keepUpToStep: 4, note: (t) => notes.push(t) });
    expect(notes).toEqual([`${file}: cut off a torn last line (25 bytes) left by an interrupted write`]);
    expect(log.entries.map((m) => m.step)).toEqual([0, 2, 4]);
    await log.append(at(6));
    expect(
      (await readFile(file, "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).step),
    ).toEqual([0, 2, 4, 6]);
    expect(await readdir(dir)).toEqual(["metrics.jsonl"]); // no temporary file left
  });

  it("still names the line of a damaged entry that is not the last", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-metrics-"));
    const file = join(dir, "metrics.jsonl");
    await writeFile(file, `${JSON.stringify(at(0))}\n{"step": 2, oops\n${JSON.stringify(at(4))}\n`);
    await expect(MetricsLog.open(file, { keepUpToStep: 4 })).rejects.toMatchObject({
      line: 2,
      message: `${file}:2: not valid JSON`,
    });
  });

  it("repairTail cuts what follows the last newline, across 64 KiB reads", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-tail-"));
    const file = join(dir, "log.jsonl");
    await writeFile(file, `{"a":1}\n${"x".repeat(100_000)}`);
    expect(await repairTail(file)).toBe(100_000);
    expect(await readFile(file, "utf8")).toBe('{"a":1}\n');
    expect(await repairTail(file)).toBe(0);
    await writeFile(file, "no newline at all");
    expect(await repairTail(file)).toBe(17);
    expect(await repairTail(join(dir, "absent.jsonl"))).toBe(0);
  });
});
