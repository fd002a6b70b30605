import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TrainDataError } from "../data/train-data-error.js";
import { copyTrlDataset, type TrlDataFormat } from "./copy-trl-dataset.js";

const user = (content: string) => ({ role: "user", content });
const assistant = (content: string) => ({ role: "assistant", content });
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n\n");

describe("copyTrlDataset", () => {
  let dir: string;
  let n = 0;
  /** Write rows to a fresh file and copy them; returns the copy's result or the error. */
  async function copy(rows: unknown[], format: TrlDataFormat = "paired") {
    const from = join(dir, `in-${++n}.jsonl`);
    await writeFile(from, jsonl(rows));
    const to = join(dir, `out-${n}`, "train.jsonl");
    try {
      return { from, to, result: await copyTrlDataset(from, to, format) };
    } catch (error) {
      return { from, to, error: error as TrainDataError };
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-trl-copy-"));
  });

  it("copies string, message and implicit-prompt rows verbatim, extra columns kept, blank lines dropped", async () => {
    const strings = [
      { id: 1, prompt: "Q", chosen: " A", rejected: " B" },
      { id: 2, prompt: "R", chosen: " C", rejected: " D" },
    ];
    const messages = [
      { prompt: [user("Q")], chosen: [assistant("A")], rejected: [assistant("B")], tools: "[]" },
    ];
    const implicit = [{ chosen: [user("Q"), assistant("A")], rejected: [user("Q"), assistant("B")] }];
    for (const rows of [strings, messages, implicit]) {
      const { to, result } = await copy(rows);
      expect(result?.rows).toBe(rows.length);
      const lines = (await readFile(to, "utf8")).trim().split("\n");
      expect(lines.map((l) => JSON.parse(l))).toEqual(rows);
    }
    expect((await copy(implicit)).result?.shape).toEqual({ conversational: true, implicitPrompt: true });
    expect((await copy([{ chosen: "Q A", rejected: "Q B" }])).result?.shape).toEqual({
      conversational: false,
      implicitPrompt: true,
    });
    const unpaired = [{ prompt: [user("Q")], completion: [assistant("A")], label: false }];
    expect((await copy(unpaired, "unpaired")).result?.rows).toBe(1);
  });

  it("refuses token-id rows, naming the file, line and field, and writes nothing", async () => {
    const { from, to, error } = await copy([
      { prompt: "Q", chosen: "A", rejected: "B" },
      { prompt_ids: [1, 2], chosen_ids: [3], rejected_ids: [4] },
    ]);
    expect(error).toBeInstanceOf(TrainDataError);
    expect(error).toMatchObject({ file: from, line: 3, field: "prompt_ids" });
    expect(error?.message).toMatch(/in-\d+\.jsonl:3: "prompt_ids": TRL 1\.13 cannot read token-id rows/);
    await expect(readFile(to)).rejects.toThrow(/ENOENT/);
    const unpaired = await copy([{ prompt_ids: [1], completion_ids: [2], label: true }], "unpaired");
    expect(unpaired.error).toMatchObject({ line: 1, field: "prompt_ids" });
  });

  it("refuses a row that mixes strings and messages (TRL crashes on it)", async () => {
    const { error } = await copy([{ prompt: "Q", chosen: [assistant("A")], rejected: [assistant("B")] }]);
    expect(error).toMatchObject({ line: 1, field: "chosen" });
    expect(error?.message).toMatch(/"chosen" is a list of messages but "prompt" is a string/);
    const unpaired = await copy([{ prompt: [user("Q")], completion: "A", label: true }], "unpaired");
    expect(unpaired.error).toMatchObject({ field: "completion" });
  });

  it("refuses rows in another format than the first row's (TRL decides it from the first row)", async () => {
    const first = { prompt: [user("Q")], chosen: [assistant("A")], rejected: [assistant("B")] };
    const strings = await copy([first, { prompt: "Q", chosen: "A", rejected: "B" }]);
    expect(strings.error).toMatchObject({ line: 3, field: "prompt" });
    expect(strings.error?.message).toMatch(/holds strings but line 1 holds lists of messages/);
    const implicit = await copy([first, { chosen: first.chosen, rejected: first.rejected }]);
    expect(implicit.error).toMatchObject({ line: 3, field: "prompt" });
    expect(implicit.error?.message).toMatch(/missing "prompt" but line 1 has one/);
    const explicit = await copy([
      { chosen: "Q A", rejected: "Q B" },
      { prompt: "Q", chosen: "A", rejected: "B" },
    ]);
    expect(explicit.error?.message).toMatch(/has "prompt" but line 1 has none/);
  });

  it("names the field of a malformed row", async () => {
    expect((await copy([{ prompt: "Q", chosen: 3, rejected: "B" }])).error?.message).toMatch(
      /:1: "chosen" must be a string or a list of \{role, content\} messages/,
    );
    expect((await copy([{ prompt: "Q", chosen: "A" }])).error).toMatchObject({ field: "rejected" });
    expect((await copy([{ completion: "A", label: true }], "unpaired")).error).toMatchObject({
      field: "prompt",
    });
    expect((await copy([{ prompt: "Q", completion: "A", label: 1 }], "unpaired")).error).toMatchObject({
      field: "label",
    });
    expect((await copy([[1, 2]])).error?.message).toMatch(/each line must be a JSON object/);
    expect((await copy([])).error?.message).toMatch(/no rows/);
  });
});
