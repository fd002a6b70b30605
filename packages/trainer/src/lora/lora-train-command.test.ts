import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { parseTrainArgs } from "../train/train-command.js";

const packageRoot = new URL("../..", import.meta.url).pathname;

function apo(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn("node", ["--import", "tsx", "--conditions=@apo-clair/source", "src/cli.ts", ...args], {
    cwd: packageRoot,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

describe("apo train --lora*", () => {
  it("parses --lora, --lora-r, --lora-alpha, --lora-targets and --lora-rslora, naming a bad flag", () => {
    expect(parseTrainArgs(["--lora"]).options.lora).toBe(true);
    expect(parseTrainArgs([]).options.lora).toBeUndefined();
    expect(
      parseTrainArgs([
        "--lora-r",
        "8",
        "--lora-alpha",
        "16",
        "--lora-targets",
        "q_proj, v_proj",
        "--lora-rslora",
      ]).options.lora,
    ).toEqual({ r: 8, alpha: 16, targets: ["q_proj", "v_proj"], rsLora: true });
    expect(() => parseTrainArgs(["--lora-r", "0"])).toThrow(/--lora-r = 0 is invalid/);
    expect(() => parseTrainArgs(["--lora-r", "2.5"])).toThrow(/--lora-r = 2.5 is invalid/);
    expect(() => parseTrainArgs(["--lora-alpha", "0"])).toThrow(/--lora-alpha = 0 is invalid/);
    expect(() => parseTrainArgs(["--lora-alpha", "x"])).toThrow(/--lora-alpha = "x" is invalid/);
    expect(() => parseTrainArgs(["--lora-targets", "q_proj,"])).toThrow(/--lora-targets/);
  });

  it("trains an adapter from the command line; an unknown target exits 1 listing the linear layers", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-lora-cli-"));
    const setup = await writeTinyTrainingSetup(dir, 8);
    const args = [
      "train",
      "--model",
      setup.modelDir,
      "--data",
      setup.dataFile,
      "--epochs",
      "1",
      "--batch-size",
      "4",
    ];
    const bad = await apo([...args, "--out", join(dir, "bad"), "--lora-targets", "q_prj"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/q_prj/);
    expect(bad.stderr).toMatch(/q_proj.*k_proj.*v_proj.*o_proj.*gate_proj.*up_proj.*down_proj/s);
    const out = join(dir, "run");
    const ok = await apo([...args, "--out", out, "--lora-r", "4", "--lora-targets", "q_proj,v_proj"]);
    expect(ok.code, ok.stderr).toBe(0);
    const peft = JSON.parse(await readFile(join(out, "checkpoint-2", "adapter_config.json"), "utf8"));
    expect(peft).toMatchObject({ r: 4, lora_alpha: 32 });
    expect(existsSync(join(out, "checkpoint-2", "adapter_model.safetensors"))).toBe(true);
  }, 60_000);
});
