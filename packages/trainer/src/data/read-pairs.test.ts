import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPretrainedModel, type PretrainedModel } from "../models/pretrained-model.js";
import { type TinyTrainingSetup, writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { train } from "../train/train.js";
import { readPreferencePairs } from "./read-pairs.js";
import { TrainDataError } from "./train-data-error.js";
import { dropsRow, PAPER_TRUNCATION, TRL_TRUNCATION, truncateSequence } from "./truncate-pair.js";

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

  it("reads strings as they are, message lists with the chat template, and implicit prompts", async () => {
    const file = await write("ok.jsonl", [
      JSON.stringify({
        chosen: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Yo" },
        ],
        rejected: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: "No" },
        ],
      }),
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
    const plain = await write("plain.jsonl", [
      JSON.stringify({ prompt: "Hi", chosen: " Yo", rejected: " No" }),
    ]);
    const [row] = (await readPreferencePairs(plain, model.tokenizer, TRL_TRUNCATION, 128)).pairs;
    expect(model.tokenizer?.decode(row?.chosen.promptIds ?? [])).toBe("Hi");
    expect(model.tokenizer?.decode(row?.chosen.completionIds ?? [])).toBe(" Yo</s>");
  });

  it("names file, line and field of a token id outside the model's vocabulary", async () => {
    const file = await write("oov.jsonl", [
      JSON.stringify({ prompt_ids: [1, 5], chosen_ids: [6, 2], rejected_ids: [7, 2] }),
      JSON.stringify({ prompt_ids: [1, 5], chosen_ids: [6, 2], rejected_ids: [9999, 2] }),
    ]);
    const error = await readPreferencePairs(file, null, TRL_TRUNCATION, 128, { vocabSize: 259 }).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ file, line: 2, field: "rejected_ids" });
    expect(String(error.message)).toMatch(
      /oov\.jsonl:2: rejected_ids has token id 9999, outside the model's vocabulary \[0, 259\)/,
    );
  });

  it("drops rows whose prompt reaches max_length and counts the truncated sequences, as TRL does", async () => {
    const file = await write("long.jsonl", [
      JSON.stringify({ prompt: "abcdefgh", chosen: "x", rejected: "y" }),
      JSON.stringify({ prompt: "ab", chosen: "xxxxxxxxxx", rejected: "y" }),
    ]);
    const data = await readPreferencePairs(file, model.tokenizer, { ...TRL_TRUNCATION, maxLength: 8 }, 128);
    expect(data.skipped).toEqual([
      { line: 1, reason: "prompt of 8 tokens ≥ max_length 8 (TRL drops such rows)" },
    ]);
    expect(data.pairs.map((p) => p.chosen.promptIds.length + p.chosen.completionIds.length)).toEqual([8]);
    expect(data.truncated).toBe(1);
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

  it("truncates like TRL 1.13: prompt + completion to max_length, keeping the start or the end", () => {
    const row = { promptIds: [1, 2, 3, 4], completionIds: [5, 6, 7, 8] };
    const trl = (maxLength: number, truncationMode: "keep_start" | "keep_end") => ({
      ...TRL_TRUNCATION,
      maxLength,
      truncationMode,
    });
    expect(truncateSequence(row, trl(6, "keep_start"), 100)).toEqual({
      promptIds: [1, 2, 3, 4],
      completionIds: [5, 6],
    });
    expect(truncateSequence(row, trl(6, "keep_end"), 100)).toEqual({
      promptIds: [3, 4],
      completionIds: [5, 6, 7, 8],
    });
    expect(truncateSequence(row, trl(3, "keep_end"), 100)).toEqual({
      promptIds: [],
      completionIds: [6, 7, 8],
    });
    expect(truncateSequence(row, trl(8, "keep_start"), 100)).toEqual(row);
    // The model's context bounds max_length.
    expect(truncateSequence(row, TRL_TRUNCATION, 5)).toEqual({ promptIds: [1, 2, 3, 4], completionIds: [5] });
    // TRL drops rows whose prompt alone reaches max_length (keep_start only).
    expect(dropsRow([1, 2, 3, 4], trl(4, "keep_start"))).toBe(true);
    expect(dropsRow([1, 2, 3], trl(4, "keep_start"))).toBe(false);
    expect(dropsRow([1, 2, 3, 4], trl(4, "keep_end"))).toBe(false);
  });

  it("applies the paper's cut first when asked: the prompt keeps its end, the completion its start", () => {
    const row = { promptIds: [1, 2, 3, 4], completionIds: [5, 6, 7, 8] };
    const paper = { ...PAPER_TRUNCATION, maxPromptLength: 2, maxCompletionLength: 3 };
    expect(truncateSequence(row, paper, 100)).toEqual({ promptIds: [3, 4], completionIds: [5, 6, 7] });
    expect(truncateSequence(row, PAPER_TRUNCATION, 6)).toEqual({
      promptIds: [1, 2, 3, 4],
      completionIds: [5, 6],
    });
    expect(
      dropsRow(
        Array.from({ length: 2000 }, () => 1),
        PAPER_TRUNCATION,
      ),
    ).toBe(false);
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
