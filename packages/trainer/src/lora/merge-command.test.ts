import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelFolderError } from "../generate/generate-errors.js";
import { openGenerator } from "../generate/open-generator.js";
import { loadPretrainedModel } from "../models/pretrained-model.js";
import { SeededRandom } from "../models/seeded-random.js";
import { writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { initLoraWeights } from "./init-lora-weights.js";
import type { LoraConfig } from "./lora-config.js";
import { mergeLoraAdapter } from "./merge-adapter.js";
import { mergeCommand } from "./merge-command.js";
import { loadLoraAdapter, saveLoraAdapter } from "./peft-adapter.js";

const run = promisify(execFile);
const packageRoot = new URL("../..", import.meta.url).pathname;

/** `apo ARGS` as a user runs it: exit code and output. */
async function apo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run("node", ["--import", "tsx", "--conditions=@apo-clair/source", "src/cli.ts", ...args], {
    cwd: packageRoot,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

let dir: string;
let modelDir: string;
let dataFile: string;
let adapterDir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "apo-merge-cmd-"));
  ({ modelDir, dataFile } = await writeTinyTrainingSetup(dir, 4));
  const model = await loadPretrainedModel(modelDir);
  const config: LoraConfig = { r: 2, alpha: 8, targets: ["q_proj", "v_proj", "down_proj"] };
  // Nonzero B, large enough to move log-probs visibly.
  const weights = initLoraWeights(model, config, 3, "float64");
  const rng = new SeededRandom(9);
  for (const t of weights.values()) {
    const d = t.data as Float64Array;
    for (let i = 0; i < d.length; i++) d[i] = rng.normal() * 0.3;
  }
  adapterDir = join(dir, "adapter");
  await saveLoraAdapter(adapterDir, { config, weights, model, baseModel: modelDir });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("apo merge", () => {
  it("writes the merged checkpoint (base dtype, tokenizer kept) and refuses a non-empty --out without --force", async () => {
    const out = join(dir, "merged");
    const lines: string[] = [];
    const args = ["--model", modelDir, "--adapter", adapterDir, "--out", out];
    expect(await mergeCommand(args, (l) => lines.push(l))).toBe(0);
    expect(lines[0]).toMatch(/merged 3 modules \(r 2, alpha 8, scale 4\)/);
    const merged = await loadPretrainedModel(out);
    const base = await loadPretrainedModel(modelDir);
    const expected = mergeLoraAdapter(base, await loadLoraAdapter(adapterDir, { model: base }));
    for (const [name, t] of expected.weights) expect(merged.weights.get(name)?.data).toEqual(t.data);
    const q = "model.layers.0.self_attn.q_proj.weight";
    expect(merged.weights.get(q)?.data).not.toEqual(base.weights.get(q)?.data);
    expect(merged.weights.get(q)?.sourceDtype).toBe("F32");
    expect(existsSync(join(out, "tokenizer.json"))).toBe(true);
    expect(JSON.parse(await readFile(join(out, "config.json"), "utf8")).torch_dtype).toBe("float32");
    await expect(mergeCommand(args, () => {})).rejects.toThrow(/holds .*config\.json.*--force/);
    expect(await mergeCommand([...args, "--force"], () => {})).toBe(0);
    await expect(mergeCommand(["--model", modelDir, "--out", out], () => {})).rejects.toThrow(/--adapter/);
  });

  it("apo logprobs --adapter equals apo logprobs on the merged checkpoint, and differs from the base", async () => {
    const merged = join(dir, "merged-cli");
    const m = await apo("merge", "--model", modelDir, "--adapter", adapterDir, "--out", merged);
    expect(m.code).toBe(0);
    const withAdapter = join(dir, "adapter.jsonl");
    const onMerged = join(dir, "merged.jsonl");
    const onBase = join(dir, "base.jsonl");
    const runs = await Promise.all([
      apo("logprobs", "--model", modelDir, "--adapter", adapterDir, "--data", dataFile, "--out", withAdapter),
      apo("logprobs", "--model", merged, "--data", dataFile, "--out", onMerged),
      apo("logprobs", "--model", modelDir, "--data", dataFile, "--out", onBase),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const rows = async (f: string) =>
      (await readFile(f, "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { chosen_logp: number });
    const [a, b, c] = await Promise.all([rows(withAdapter), rows(onMerged), rows(onBase)]);
    expect(a).toEqual(b);
    expect(a).toHaveLength(4);
    expect(Math.abs(a[0]!.chosen_logp - c[0]!.chosen_logp)).toBeGreaterThan(1e-3);
    const help = await apo("merge", "--help");
    expect(help.stdout).toMatch(/^apo merge: [\s\S]*usage:\n[\s\S]*examples:\n {2}apo merge --model/);
    expect((await apo("--help")).stdout).toContain("  apo merge --model DIR --adapter DIR --out DIR");
    const bad = await apo("merge", "--model", modelDir, "--adapter", modelDir, "--out", join(dir, "x"));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/adapter_config\.json/);
  }, 60_000);

  it("apo generate/serve's openGenerator with an adapter decodes as the merged checkpoint does", async () => {
    const out = join(dir, "merged-gen");
    await mergeCommand(["--model", modelDir, "--adapter", adapterDir, "--out", out], () => {});
    const options = { temperature: 0, maxNewTokens: 6 };
    const viaAdapter = await openGenerator(modelDir, { adapter: adapterDir });
    const viaMerged = await openGenerator(out);
    const base = await openGenerator(modelDir);
    try {
      const prompts = ["Q1: sky?", "hello"];
      const [x, y, z] = await Promise.all([
        viaAdapter.complete(prompts, options),
        viaMerged.complete(prompts, options),
        base.complete(prompts, options),
      ]);
      expect(x.map((c) => c.text)).toEqual(y.map((c) => c.text));
      expect(x.map((c) => c.text)).not.toEqual(z.map((c) => c.text));
    } finally {
      await Promise.all([viaAdapter.close(), viaMerged.close(), base.close()]);
    }
    await expect(openGenerator(join(dir, "nothing"), { adapter: adapterDir })).rejects.toThrow(
      ModelFolderError,
    );
  });
});
