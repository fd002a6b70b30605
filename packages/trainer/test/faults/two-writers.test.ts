import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTinyTrainingSetup } from "../../src/testing/train-fixtures.js";
import { runApo, startApo } from "./apo-process.js";

describe("fault: two writers on one run folder", () => {
  it("a second apo train or apo train --resume exits 1 before doing anything; a killed holder's lock is taken over", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-fault-lock-"));
    const setup = await writeTinyTrainingSetup(dir, 8);
    const out = join(dir, "run");
    const args = ["train", "--model", setup.modelDir, "--data", setup.dataFile, "--out", out];
    const long = [
      "--lr",
      "1e-4",
      "--epochs",
      "500",
      "--batch-size",
      "2",
      "--save-every",
      "1",
      "--log-every",
      "1",
    ];
    const first = startApo([...args, ...long]);
    await first.waitFor(/step 2\//);
    const pid = first.child.pid as number;
    const locked = new RegExp(
      `^apo: the run folder is in use by pid ${pid} on this host, running since .*lock file ${out}/\\.lock\\)`,
    );

    // Both refuse at once: no line of progress, no note, only the lock's holder.
    const resumed = await runApo(["train", "--resume", out, "--log-every", "1"]);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toMatch(locked);
    expect(resumed.stderr.trim().split("\n")).toHaveLength(1);
    const fresh = await runApo([...args, ...long]);
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toMatch(locked);
    expect(first.child.exitCode).toBeNull(); // the first run never noticed

    first.child.kill("SIGKILL");
    await first.done;
    expect(existsSync(join(out, ".lock"))).toBe(true); // a SIGKILL leaves its lock behind

    const after = startApo(["train", "--resume", out, "--log-every", "1"]);
    await after.waitFor(/step \d+\//);
    after.child.kill("SIGINT");
    const ended = await after.done;
    expect(ended.stderr).toMatch(
      new RegExp(`took over ${out}/\\.lock: its holder, pid ${pid} \\(since .*\\), is no longer running`),
    );
    expect(ended.code).toBe(130);
    expect(existsSync(join(out, ".lock"))).toBe(false);
    // One writer at a time: every evaluation step once, in order.
    const steps = (await readFile(join(out, "metrics.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).toEqual([...new Set(steps)].sort((a, b) => a - b));
  }, 120_000);
});
