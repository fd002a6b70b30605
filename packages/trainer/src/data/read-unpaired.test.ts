import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPretrainedModel, type PretrainedModel } from "../models/pretrained-model.js";
import { writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { mismatchExamples } from "./mismatch-pairs.js";
import { readPreferencePairs } from "./read-pairs.js";
import { readUnpairedExamples } from "./read-unpaired.js";
import { TrainDataError } from "./train-data-error.js";
import { PAPER_TRUNCATION, TRL_TRUNCATION } from "./truncate-pair.js";

describe("unpaired (KTO-format) data", () => {
  let dir: string;
  let model: PretrainedModel;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-kto-data-"));
    model = await loadPretrainedModel((await writeTinyTrainingSetup(dir, 2)).modelDir);
  });

  const write = async (name: string, rows: unknown[]) => {
    const file = join(dir, name);
    await writeFile(file, rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n"));
    return file;
  };

  it("unpairs a paired file as TRL's unpair_preference_dataset: all chosen, then all rejected", async () => {
    const paired = await write("pairs2.jsonl", [
      { prompt: "a", chosen: "b", rejected: "c" },
      { id: "two", prompt: "d", chosen: "e", rejected: "f" },
    ]);
    const { examples } = await readUnpairedExamples(paired, model.tokenizer, TRL_TRUNCATION, 128);
    const text = (ids: readonly number[]) => model.tokenizer?.decode(ids);
    expect(examples.map((e) => [e.line, e.label, text(e.completion.completionIds)])).toEqual([
      [1, true, "b</s>"],
      [2, true, "e</s>"],
      [1, false, "c</s>"],
      [2, false, "f</s>"],
    ]);
    expect(examples[3]?.id).toBe("two");
  });

  it("tokenises strings and message lists as the paired reader does, and skips empty completions", async () => {
    const unpaired = await write("kto.jsonl", [
      {
        prompt: [{ role: "user", content: "Hi" }],
        completion: [{ role: "assistant", content: "Yo" }],
        label: true,
      },
      "",
      {
        id: "m",
        prompt: [{ role: "user", content: "Hi" }],
        completion: [{ role: "assistant", content: "No" }],
        label: false,
      },
      { prompt_ids: [5, 6], completion_ids: [], label: true },
    ]);
    const paired = await write("pairs.jsonl", [
      {
        prompt: [{ role: "user", content: "Hi" }],
        chosen: [{ role: "assistant", content: "Yo" }],
        rejected: [{ role: "assistant", content: "No" }],
      },
    ]);
    const { examples, skipped } = await readUnpairedExamples(
      unpaired,
      model.tokenizer,
      PAPER_TRUNCATION,
      128,
    );
    const [pair] = (await readPreferencePairs(paired, model.tokenizer, PAPER_TRUNCATION, 128)).pairs;
    expect(examples.map((e) => [e.line, e.label])).toEqual([
      [1, true],
      [3, false],
    ]);
    expect(examples[0]?.completion).toEqual(pair?.chosen);
    expect(examples[1]?.completion).toEqual(pair?.rejected);
    expect(examples[1]?.id).toBe("m");
    expect(skipped).toEqual([{ line: 4, reason: "completion empty after truncation" }]);
  });

  it("pairs each prompt with the next example's completion, wrapping around", async () => {
    const file = await write("ids.jsonl", [
      { prompt_ids: [1, 2], completion_ids: [3], label: true },
      { prompt_ids: [4], completion_ids: [5, 6], label: false },
      { prompt_ids: [7], completion_ids: [8], label: true },
    ]);
    const { examples } = await readUnpairedExamples(file, null, PAPER_TRUNCATION, 128);
    const { pairs, labels } = mismatchExamples(examples, PAPER_TRUNCATION, 128);
    expect(labels).toEqual([true, false, true]);
    expect(pairs.map((p) => [p.chosen.promptIds, p.chosen.completionIds, p.rejected.completionIds])).toEqual([
      [[1, 2], [3], [5, 6]],
      [[4], [5, 6], [8]],
      [[7], [8], [3]],
    ]);
    expect(pairs.map((p) => p.rejected.promptIds)).toEqual([[1, 2], [4], [7]]);
    // Re-truncated to the context: prompt [1, 2] leaves room for one token of [5, 6].
    expect(mismatchExamples(examples, PAPER_TRUNCATION, 3).pairs[0]?.rejected.completionIds).toEqual([5]);
  });

  it("names the file and line of a malformed row", async () => {
    const cases: [unknown, RegExp][] = [
      [{ prompt: "a", completion: "b", label: "yes" }, /"label" must be true/],
      [{ prompt: "a", label: true }, /missing "completion"/],
      [{ prompt_ids: [1], completion_ids: "x", label: true }, /completion_ids must be an array/],
      ["[1]", /each line must be a JSON object/],
    ];
    for (const [row, message] of cases) {
      const file = await write("bad.jsonl", [{ prompt: "a", completion: "b", label: true }, row]);
      const error = await readUnpairedExamples(file, model.tokenizer, PAPER_TRUNCATION, 128).catch((e) => e);
      expect(error).toBeInstanceOf(TrainDataError);
      expect(error).toMatchObject({ file, line: 2 });
      expect(String(error.message)).toMatch(message);
    }
  });
});
