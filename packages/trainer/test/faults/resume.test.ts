import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTinyTrainingSetup } from "../../src/testing/train-fixtures.js";
import { runApo, startApo } from "./apo-process.js";

/**
 * A run started in `project/` with relative paths (`--data pairs.jsonl --out run`) and stopped by Ctrl-C
 * after step 2, then resumed from another directory, `elsewhere/`, which has a `pairs.jsonl` of its own with
 * as many rows: the resume must train on the run's file and write to the run's folder.
 */
describe("fault: resume", () => {
  let project: string;
  let elsewhere: string;
  let out: string;
  let data: string;

  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), "apo-fault-resume-"));
    project = join(root, "project");
    elsewhere = join(root, "elsewhere");
    await mkdir(elsewhere, { recursive: true });
    const setup = await writeTinyTrainingSetup(project, 8);
    data = setup.dataFile;
    out = join(project, "run");
    // Same row count, other rows: what a relative path resolved in the wrong directory would train on.
    await writeFile(
      join(elsewhere, "pairs.jsonl"),
      setup.rows.map((r) => `${JSON.stringify({ ...r, chosen: r.rejected, rejected: r.chosen })}\n`).join(""),
    );
    const run = startApo(
      [
        "train",
        "--model",
        "model",
        "--data",
        "pairs.jsonl",
        "--out",
        "run",
        "--lr",
        "1e-3",
        "--epochs",
        "3",
        "--batch-size",
        "2",
        "--eval-fraction",
        "0.25",
        "--eval-every",
        "1",
        "--log-every",
        "1",
      ],
      { cwd: project },
    );
    await run.waitFor(/step 2\//);
    run.child.kill("SIGINT");
    expect((await run.done).code).toBe(130);
  }, 120_000);

  const resume = (...extra: string[]) => runApo(["train", "--resume", out, ...extra], { cwd: elsewhere });

  it("the checkpoint records absolute paths and the SHA-256 of the data file", async () => {
    const state = JSON.parse(await readFile(join(out, "checkpoint-2", "trainer_state.json"), "utf8"));
    expect(state.config).toMatchObject({ data, out, model: join(project, "model") });
    expect(state.dataFiles).toMatchObject({
      data: { path: data, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it("stops when the data file changed, saying what changed", async () => {
    const original = await readFile(data, "utf8");
    await writeFile(data, original.replace("blue", "pink")); // one answer edited, same rows
    try {
      const { code, stderr } = await resume();
      expect(code).toBe(1);
      expect(stderr).toMatch(
        new RegExp(
          `cannot resume: the training file ${data} changed since the checkpoint: ${Buffer.byteLength(original)} bytes with SHA-256 [0-9a-f]{16}… then, ${Buffer.byteLength(original)} bytes with SHA-256 [0-9a-f]{16}… now`,
        ),
      );
    } finally {
      await writeFile(data, original);
    }
  }, 60_000);

  it("stops when the data file was moved", async () => {
    await rename(data, `${data}.moved`);
    try {
      const { code, stderr } = await resume();
      expect(code).toBe(1);
      expect(stderr).toMatch(`cannot resume: the training file ${data} is gone (moved or deleted)`);
    } finally {
      await rename(`${data}.moved`, data);
    }
  }, 60_000);

  it("from another directory: the run's own files and folder, a torn metrics line cut off, stale temporary folders removed", async () => {
    // A kill during an append of metrics.jsonl, and during a save of a process that is gone.
    await appendFile(join(out, "metrics.jsonl"), '{"step":3,"epoch":1,"pai');
    const { pid: gone } = spawnSync(process.execPath, ["-e", ""]);
    const stale = join(out, `checkpoint-3.tmp-${gone}`);
    await mkdir(stale);
    await writeFile(join(stale, "model.safetensors"), Buffer.alloc(1000));

    const { code, stderr, stdout } = await resume("--json");
    expect(stderr).toContain(`${join(out, "metrics.jsonl")}: cut off a torn last line (24 bytes)`);
    expect(stderr).toContain(
      `removed ${stale}: a save that did not finish (its process, pid ${gone}, is gone)`,
    );
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as {
      step: number;
      config: { data: string; out: string };
      checkpoints: string[];
    };
    expect(summary.step).toBe(9);
    expect(summary.config).toMatchObject({ data, out });
    expect(summary.checkpoints.every((c) => c.startsWith(`${out}/checkpoint-`))).toBe(true);
    expect(existsSync(join(elsewhere, "run"))).toBe(false);
    expect((await readdir(out)).filter((n) => n.includes(".tmp-") || n === ".lock")).toEqual([]);
    const steps = (await readFile(join(out, "metrics.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }, 60_000);
});
