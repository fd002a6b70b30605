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

/** Exit code, stdout and stderr of `apo ARGS`, failing or not. */
async function outcome(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return apo(...args).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

const COMMANDS = ["train", "logprobs", "init-model", "generate", "serve", "export-trl"];

describe("apo CLI", () => {
  it("prints help with an example for apo, apo help COMMAND and every COMMAND --help / -h", async () => {
    const runs = await Promise.all([
      outcome("--help"),
      outcome(),
      outcome("help", "serve"),
      ...COMMANDS.map((c, i) => outcome(c, i % 2 === 0 ? "--help" : "-h")),
      // Help wins over flags that would fail.
      outcome("train", "--model", "missing", "--epochs", "zero", "--help"),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/usage:\n/);
      expect(r.stdout).toMatch(/examples?:\n {2}apo /);
    }
    const [top, bare, helpServe, ...each] = runs;
    for (const c of COMMANDS) expect(top?.stdout).toContain(`  apo ${c} --`);
    expect(bare?.stdout).toBe(top?.stdout);
    expect(helpServe?.stdout).toBe(each[COMMANDS.indexOf("serve")]?.stdout);
    COMMANDS.forEach((c, i) => {
      expect(each[i]?.stdout.startsWith(`apo ${c}: `)).toBe(true);
    });
    expect(each.at(-1)?.stdout.startsWith("apo train: ")).toBe(true);
  }, 60_000);

  it("suggests the nearest flag, command or loss name", async () => {
    const [flag, logprobsFlag, command, helpTopic, loss, far] = await Promise.all([
      outcome("train", "--modle", "m"),
      outcome("logprobs", "--dat", "x"),
      outcome("trian"),
      outcome("help", "genrate"),
      outcome("export-trl", "--data", "x.jsonl", "--out", "y", "--loss", "apo-zero"),
      outcome("serve", "--bogus-flag"),
    ]);
    expect(flag).toMatchObject({ code: 1, stdout: "" });
    expect(flag.stderr).toBe(
      "apo: unknown option --modle: did you mean --model? (apo train --help lists its flags)\n",
    );
    expect(logprobsFlag.stderr).toMatch(/unknown option --dat: did you mean --data\?/);
    expect(command.stderr).toMatch(
      /^apo: unknown command trian: did you mean train\? \(the commands: train, /,
    );
    expect(helpTopic.stderr).toMatch(/unknown command genrate: did you mean generate\?/);
    expect(loss.stderr).toMatch(
      /loss = "apo-zero" is invalid: expected a registered loss name \(did you mean apo_zero\?\)/,
    );
    expect(far.stderr).toBe("apo: unknown option --bogus-flag (apo serve --help lists its flags)\n");
    for (const r of [logprobsFlag, command, helpTopic, loss, far]) expect(r.code).toBe(1);
  }, 60_000);

  it("init-model defaults to a 2048-token context, pads the vocabulary and ties the embeddings", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-cli-init-"));
    const [plain, tied] = await Promise.all([
      apo("init-model", "--family", "llama", "--out", join(dir, "plain")),
      apo(
        "init-model",
        "--family",
        "llama",
        "--out",
        join(dir, "tied"),
        "--vocab-size",
        "320",
        "--tie-embeddings",
      ),
    ]);
    expect(plain.stderr).toMatch(/model to .*plain \(context 2048, vocabulary 259\)\n$/);
    expect(tied.stderr).toMatch(/\(context 2048, vocabulary 320, tied embeddings\)\n$/);
    const model = await loadPretrainedModel(join(dir, "tied"));
    expect(model.config).toMatchObject({ maxPositions: 2048, vocabSize: 320, tieWordEmbeddings: true });
    expect(model.weights.has("lm_head.weight")).toBe(false);
    expect(model.weights.get("model.embed_tokens.weight")?.shape).toEqual([320, 32]);
    const ids = tokenizeCompletion(model.tokenizer!, "Hi", "Hello!", { line: 1 });
    const [scored] = await computeLogProbs(model, [ids]);
    expect(Number.isFinite(scored?.logp)).toBe(true);
    const small = await outcome(
      "init-model",
      "--family",
      "llama",
      "--out",
      join(dir, "small"),
      "--vocab-size",
      "100",
    );
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(
      /vocabSize = 100 is invalid: expected an integer ≥ 259, the byte-level tokenizer's size/,
    );
  }, 60_000);

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
