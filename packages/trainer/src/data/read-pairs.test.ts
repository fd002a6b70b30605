import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPretrainedModel, type PretrainedModel } from "../models/pretrained-model.js";
import { type TinyTrainingSetup, writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { train } from "../train/train.js";
import { readPreferencePairs } from "./read-pairs.js";
import { TrainDataError } from "./train-data-error.js";
import { PAPER_TRUNCATION, truncateSequence } from "./truncate-pair.js";

describe("training data", () => {
  let dir: string;
  let setup: TinyTrainingSetup;
  let model: PretrainedModel;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-data-"));
    setup = await writeTinyTrainingSetup(dir, 4);
    model = await loadPretrainedModel(setup.modelDir);
  });

  const write = async (name: string, lines: string[]) => {
    const file = join(dir, name);
    await writeFile(file, `${lines.join("\n")}\n`);
    return file;
  };

  it("reads strings and message lists with the chat template", async () => {
    const file = await write("ok.jsonl", [
      JSON.stringify({ prompt: "Hi", chosen: "Yo", rejected: "No" }),
      "",
      JSON.stringify({
        id: "m",
        prompt: [{ role: "user", content: "Hi" }],
        chosen: [{ role: "assistant", content: "Yo" }],
        rejected: [{ role: "assistant", content: "Nope" }],
      }),
    ]);
    const { pairs, skipped } = await readPreferencePairs(file, model.tokenizer, PAPER_TRUNCATION, 128);
    expect(skipped).toEqual([]);
    expect(pairs.map((p) => p.line)).toEqual([1, 3]);
    expect(pairs[1]?.id).toBe("m");
    expect(pairs[0]?.chosen).toEqual(pairs[1]?.chosen);
    expect(model.tokenizer?.decode(pairs[1]?.rejected.completionIds ?? [])).toBe("Nope</s>\n");
  });

  it("names the file and line of a malformed row", async () => {
    const good = JSON.stringify({ prompt: "a", chosen: "b", rejected: "c" });
    const broken = await write("broken.jsonl", [good, good, '{"prompt": "a", "chosen": ']);
    await expect(readPreferencePairs(broken, model.tokenizer, PAPER_TRUNCATION, 128)).rejects.toThrow(
      `${broken}:3: not valid JSON`,
    );
    const missing = await write("missing.jsonl", [good, JSON.stringify({ prompt: "a", chosen: "b" })]);
    const error = await readPreferencePairs(missing, model.tokenizer, PAPER_TRUNCATION, 128).catch((e) => e);
    expect(error).toBeInstanceOf(TrainDataError);
    expect(error).toMatchObject({ file: missing, line: 2, code: "BAD_TRAIN_DATA" });
    expect(error.message).toMatch(/missing "rejected"/);
    await expect(
      train({ model: setup.modelDir, data: missing, out: join(dir, "o"), progress: { stream: null } }),
    ).rejects.toThrow(`${missing}:2:`);
    await expect(readPreferencePairs(join(dir, "absent.jsonl"), null, PAPER_TRUNCATION, 128)).rejects.toThrow(
      /absent\.jsonl: cannot read the file/,
    );
  });

  it("truncates like TRL: the prompt keeps its end, the completion its start, both fit the context", () => {
    const row = { promptIds: [1, 2, 3, 4], completionIds: [5, 6, 7, 8] };
    expect(truncateSequence(row, { maxPromptLength: 2, maxCompletionLength: 3 }, 100)).toEqual({
      promptIds: [3, 4],
      completionIds: [5, 6, 7],
    });
    expect(truncateSequence(row, PAPER_TRUNCATION, 6)).toEqual({
      promptIds: [1, 2, 3, 4],
      completionIds: [5, 6],
    });
    expect(truncateSequence(row, PAPER_TRUNCATION, 3)).toEqual({ promptIds: [2, 3, 4], completionIds: [] });
  });

  it("reports rows whose completion is empty after truncation and trains on the rest", async () => {
    const rows = setup.rows.map((r) => JSON.stringify(r));
    // A prompt longer than the 128-token context leaves no room for the completion.
    rows.splice(1, 0, JSON.stringify({ prompt: "x".repeat(300), chosen: "a", rejected: "b" }));
    rows.push(JSON.stringify({ prompt_ids: [1, 5], chosen_ids: [], rejected_ids: [7] }));
    const file = await write("long.jsonl", rows);
    const { pairs, skipped } = await readPreferencePairs(file, model.tokenizer, PAPER_TRUNCATION, 128);
    expect(pairs).toHaveLength(4);
    expect(skipped).toEqual([
      { line: 2, reason: "chosen and rejected completion empty after truncation" },
      { line: 6, reason: "chosen completion empty after truncation" },
    ]);
    const lines: string[] = [];
    const stream = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    const summary = await train({
      model: setup.modelDir,
      data: file,
      out: join(dir, "skips"),
      lr: 1e-3,
      epochs: 1,
      batchSize: 2,
      evalFraction: 0,
      progress: { stream },
    });
    expect(summary.skipped.map((s) => s.line)).toEqual([2, 6]);
    expect(summary.trainPairs).toBe(4);
    expect(Number.isFinite(summary.lastLoss)).toBe(true);
    expect(lines.join("")).toMatch(/skipped 2 row\(s\) of .*long\.jsonl: line 2 \(.*\), line 6/);
  }, 30_000);
});
