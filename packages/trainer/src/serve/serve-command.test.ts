import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalGenerator } from "../generate/local-generator.js";
import { createTinyModel } from "../models/create-tiny-model.js";

const packageRoot = new URL("../..", import.meta.url).pathname;
let dir: string;
let modelDir: string;

function apo(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn("node", ["--import", "tsx", "--conditions=@apo-clair/source", "src/cli.ts", ...args], {
    cwd: packageRoot,
    env: { ...process.env, ...env },
  });
}

function collect(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "apo-serve-cli-"));
  modelDir = join(dir, "tiny-llama");
  await createTinyModel({ family: "llama", seed: 5, std: 0.6, out: modelDir });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("apo serve and apo generate", () => {
  it("serves a checkpoint folder to the openai client behind an API key, and stops on SIGTERM", async () => {
    const child = apo(["serve", "--model", modelDir, "--port", "0", "--api-key-env", "APO_TEST_KEY"], {
      APO_TEST_KEY: "sk-local",
    });
    const done = collect(child);
    try {
      const baseURL = await new Promise<string>((resolve, reject) => {
        child.stdout?.on("data", (d: Buffer) => {
          const match = /serving tiny-llama at (\S+)/.exec(d.toString());
          if (match) resolve(match[1]!);
        });
        child.on("close", () => reject(new Error("apo serve exited before listening")));
      });
      expect(baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const client = new OpenAI({ baseURL, apiKey: "sk-local", maxRetries: 0 });
      const response = await client.chat.completions.create({
        model: "tiny-llama",
        messages: [{ role: "user", content: "Hi" }],
        temperature: 0,
        max_tokens: 8,
      });
      const generator = await LocalGenerator.load(modelDir);
      const [expected] = await generator.complete([[{ role: "user", content: "Hi" }]], {
        temperature: 0,
        maxNewTokens: 8,
      });
      await generator.close();
      expect(response.choices[0]!.message.content).toBe(expected!.text);
      await expect(
        new OpenAI({ baseURL, apiKey: "wrong", maxRetries: 0 }).models.list(),
      ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    } finally {
      child.kill("SIGTERM");
    }
    expect((await done).code).toBe(0);
  });

  it("generate prints JSON completions; a bad flag fails with its name", async () => {
    const ok = await collect(
      apo([
        "generate",
        "--model",
        modelDir,
        "--chat",
        "Hi",
        "--temperature",
        "0",
        "--max-tokens",
        "6",
        "--n",
        "2",
        "--json",
      ]),
    );
    expect(ok.code).toBe(0);
    const lines = ok.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { completionTokens: number; text: string });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual(lines[1]);
    expect(lines[0]!.completionTokens).toBeLessThanOrEqual(6);
    const bad = await collect(apo(["generate", "--model", modelDir, "--chat", "Hi", "--temperature", "hot"]));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--temperature must be a number/);
  });
});
