import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type TinyTrainingSetup, writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { parseTrainArgs } from "./train-command.js";

const packageRoot = new URL("../..", import.meta.url).pathname;

function apo(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stderr: string; stdout: string }>;
} {
  const child = spawn("node", ["--import", "tsx", "--conditions=@apo-clair/source", "src/cli.ts", ...args], {
    cwd: packageRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
    child.on("close", (code) => resolve({ code, stderr, stdout }));
  });
  return { child, done };
}

describe("apo train", () => {
  let dir: string;
  let setup: TinyTrainingSetup;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-train-cli-"));
    setup = await writeTinyTrainingSetup(dir, 8);
  });

  it("trains, evaluates and checkpoints from the command line", async () => {
    const out = join(dir, "run");
    const args = ["train", "--model", setup.modelDir, "--data", setup.dataFile, "--out", out];
    const { done } = apo([
      ...args,
      "--lr",
      "1e-3",
      "--epochs",
      "2",
      "--batch-size",
      "2",
      "--eval-fraction",
      "0.25",
      "--log-every",
      "1",
      "--json",
    ]);
    const { code, stderr, stdout } = await done;
    expect(JSON.parse(stdout)).toMatchObject({ step: 6, trainPairs: 6, evalPairs: 2, interrupted: false });
    expect(stderr).toMatch(/step 6\/6 epoch 2\.00 loss [\d.]+ rewards chosen [-+][\d.]+ .* tok\/s ETA/);
    expect(stderr).toMatch(/done: 6\/6 steps, last checkpoint .*checkpoint-6, held-out reward margin/);
    expect(code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(
      ["checkpoint-3", "checkpoint-6", "metrics.jsonl", "plots", "reference-cache"].sort(),
    );
  }, 60_000);

  it("saves a checkpoint on SIGINT and exits with 130", async () => {
    const out = join(dir, "sigint");
    const args = ["train", "--model", setup.modelDir, "--data", setup.dataFile, "--out", out];
    const { child, done } = apo([
      ...args,
      "--lr",
      "1e-4",
      "--epochs",
      "500",
      "--batch-size",
      "2",
      "--log-every",
      "1",
    ]);
    let sent = false;
    child.stderr?.on("data", (d: Buffer) => {
      if (!sent && /step 2\//.test(d.toString())) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    const { code, stderr } = await done;
    expect(sent).toBe(true);
    expect(stderr).toMatch(/interrupt: saving a checkpoint/);
    expect(code).toBe(130);
    const step = Number(/interrupted at step (\d+)/.exec(stderr)?.[1]);
    const state = JSON.parse(await readFile(join(out, `checkpoint-${step}`, "trainer_state.json"), "utf8"));
    expect(state).toMatchObject({
      step,
      totalSteps: 2000 /* 7 training pairs in batches of 2, 500 epochs */,
    });
    expect(existsSync(join(out, `checkpoint-${step}`, "model.safetensors"))).toBe(true);
  }, 60_000);

  it("names the flag or field of a bad option", async () => {
    expect(() => parseTrainArgs(["--batch-size", "four"])).toThrow(/--batch-size = "four" is invalid/);
    expect(() => parseTrainArgs(["--device", "tpu"])).toThrow(
      /--device = "tpu" is invalid: expected cpu, cuda, webgpu/,
    );
    expect(parseTrainArgs(["--device", "cpu"]).options.sessionOptions).toEqual({
      executionProviders: ["cpu"],
    });
    expect(parseTrainArgs(["--recompute"]).options.recompute).toBe(true);
    expect(parseTrainArgs(["--no-recompute"]).options.recompute).toBe(false);
    expect(parseTrainArgs([]).options.recompute).toBeUndefined();
    expect(() => parseTrainArgs(["--recompute", "--no-recompute"])).toThrow(/--recompute/);
    expect(parseTrainArgs(["--preset", "paper", "--save-every", "epoch", "--lr", "3e-7"]).options).toEqual({
      preset: "paper",
      saveEvery: "epoch",
      lr: 3e-7,
    });
    const args = ["train", "--model", setup.modelDir, "--data", setup.dataFile, "--out", join(dir, "x")];
    const { code, stderr } = await apo([...args, "--epochs", "0"]).done;
    expect(code).toBe(1);
    expect(stderr).toMatch(/epochs = 0 is invalid: expected a positive integer/);
  }, 30_000);
});
