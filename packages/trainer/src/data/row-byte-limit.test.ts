import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTinyModel } from "../models/create-tiny-model.js";
import { DEFAULT_MAX_LINE_BYTES } from "./read-jsonl.js";
import { readPreferencePairs } from "./read-pairs.js";
import { readUnpairedExamples } from "./read-unpaired.js";
import { MIN_ROW_BYTES, tokenisedRowLimit } from "./row-byte-limit.js";
import { TRL_TRUNCATION } from "./truncate-pair.js";

describe("row size limit of tokenising readers", () => {
  it("is 1 KiB per token kept, between 1 MiB and the reader's 64 MiB, unless given", () => {
    expect(tokenisedRowLimit(TRL_TRUNCATION, 128).maxLineBytes).toBe(MIN_ROW_BYTES);
    expect(tokenisedRowLimit(TRL_TRUNCATION, 4096).maxLineBytes).toBe(2 ** 20);
    expect(tokenisedRowLimit({ ...TRL_TRUNCATION, maxLength: 8192 }, 32_768).maxLineBytes).toBe(8 * 2 ** 20);
    expect(tokenisedRowLimit({ ...TRL_TRUNCATION, maxLength: null }, 131_072).maxLineBytes).toBe(
      DEFAULT_MAX_LINE_BYTES,
    );
    expect(tokenisedRowLimit(TRL_TRUNCATION, 4096, 5)).toEqual({ maxLineBytes: 5 });
  });

  it("refuses a row far longer than truncation keeps, naming file and line, before tokenising it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-row-limit-"));
    const model = await createTinyModel({ family: "llama", seed: 1 });
    const huge = "many words ".repeat(200_000); // 2.2 MB of text for a 128-token context
    const file = join(dir, "pairs.jsonl");
    await writeFile(
      file,
      `${JSON.stringify({ prompt: "Hi", chosen: "Yo", rejected: "No" })}\n${JSON.stringify({ prompt: huge, chosen: "a", rejected: "b" })}\n`,
    );
    const started = performance.now();
    await expect(readPreferencePairs(file, model.tokenizer, TRL_TRUNCATION, 128)).rejects.toMatchObject({
      code: "BAD_TRAIN_DATA",
      file,
      line: 2,
      message: expect.stringMatching(
        /:2: line longer than 1048576 bytes: rows are tokenised whole .*--max-length/,
      ),
    });
    // Refused from its size: tokenising 2 MB with this tokenizer would take seconds.
    expect(performance.now() - started).toBeLessThan(1000);
    const unpaired = join(dir, "kto.jsonl");
    await writeFile(unpaired, `${JSON.stringify({ prompt: huge, completion: "a", label: true })}\n`);
    await expect(readUnpairedExamples(unpaired, model.tokenizer, TRL_TRUNCATION, 128)).rejects.toMatchObject({
      line: 1,
      message: expect.stringMatching(/line longer than/),
    });
  });
});
