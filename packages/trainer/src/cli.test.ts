import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { tokenizeCompletion } from "./data/preference-rows.js";
import { computeLogProbs } from "./logprobs/log-prob-session.js";
import { loadPretrainedModel } from "./models/pretrained-model.js";

const run = promisify(execFile);
const packageRoot = new URL("..", import.meta.url).pathname;

async function apo(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run("node", ["--import", "tsx", "--conditions=@apo-clair/source", "src/cli.ts", ...args], {
    cwd: packageRoot,
  });
}

describe("apo CLI", () => {
  it("init-model then logprobs on text and token-id rows", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-cli-"));
    const modelDir = join(dir, "model");
    await apo("init-model", "--family", "llama", "--out", modelDir, "--seed", "3", "--layers", "1");
    const model = await loadPretrainedModel(modelDir);
    expect(model.config.numLayers).toBe(1);
    const data = join(dir, "pairs.jsonl");
    const rows = [
      { id: "a", prompt: "Hi", chosen: "Hello!", rejected: "Go away." },
      {
        prompt: [{ role: "user", content: "2+2?" }],
        chosen: [{ role: "assistant", content: "4" }],
        rejected: [{ role: "assistant", content: "5" }],
      },
      { prompt_ids: [1, 40, 41], chosen_ids: [50, 2], rejected_ids: [51, 52, 2] },
    ];
    await writeFile(data, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
    const out = join(dir, "out.jsonl");
    await apo("logprobs", "--model", modelDir, "--data", data, "--out", out, "--batch-size", "2");
    const got = (await readFile(out, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(got).toHaveLength(3);
    expect(got[0].id).toBe("a");
    // Strings are not templated (TRL 1.13): "Hello!" + EOS is 7 tokens.
    expect(got[0].chosen_tokens).toBe(7);
    const chosen = tokenizeCompletion(model.tokenizer!, "Hi", "Hello!", { line: 1 });
    expect(model.tokenizer!.decode(chosen.completionIds)).toBe("Hello!</s>");
    const [direct] = await computeLogProbs(model, [chosen]);
    expect(got[0].chosen_logp).toBeCloseTo(direct!.logp, 5);
    expect(got[2]).toMatchObject({ chosen_tokens: 2, rejected_tokens: 3 });
    for (const r of got) expect(Number.isFinite(r.rejected_logp)).toBe(true);
  }, 60_000);

  it("fails with a clear message on bad input", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-cli-bad-"));
    await expect(apo("init-model", "--family", "bert", "--out", dir)).rejects.toMatchObject({
      stderr: expect.stringMatching(/--family must be llama or gpt2/),
    });
    await apo("init-model", "--family", "gpt2", "--out", join(dir, "m"), "--context", "8");
    const data = join(dir, "pairs.jsonl");
    await writeFile(data, '{"prompt_ids":[1,2,3,4,5],"chosen_ids":[6,7,8,9],"rejected_ids":[6]}\nnot json\n');
    await expect(
      apo("logprobs", "--model", join(dir, "m"), "--data", data, "--out", join(dir, "o")),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/pairs\.jsonl:2: not valid JSON/),
    });
    await writeFile(data, '{"prompt_ids":[1,2,3,4,5],"chosen_ids":[6,7,8,9],"rejected_ids":[6]}\n');
    // Longer than the model's context: truncated as TRL's collator would (keep the start), not an error.
    await apo("logprobs", "--model", join(dir, "m"), "--data", data, "--out", join(dir, "o"));
    expect(JSON.parse(await readFile(join(dir, "o"), "utf8"))).toMatchObject({
      chosen_tokens: 3,
      rejected_tokens: 1,
    });
    await expect(
      apo(
        "logprobs",
        "--model",
        join(dir, "m"),
        "--data",
        data,
        "--out",
        join(dir, "o"),
        "--truncation-mode",
        "middle",
      ),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/--truncation-mode must be keep_start or keep_end/),
    });
  }, 60_000);
});
