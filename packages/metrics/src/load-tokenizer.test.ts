import { describe, expect, it } from "vitest";
import { temporaryDirectory, writeTinyTokenizer } from "../test/fixtures.js";
import { MetricsError } from "./errors.js";
import { jaccard } from "./jaccard.js";
import { loadTokenizer } from "./load-tokenizer.js";

describe("loadTokenizer", () => {
  it("loads a tokenizer.json with @huggingface/tokenizers and tokenizes for jaccard", async () => {
    const tokenizer = await loadTokenizer(writeTinyTokenizer(temporaryDirectory()));
    expect(Array.from(tokenizer("The cats sat on the MAT. A zebra"))).toEqual([
      "the",
      "cat",
      "##s",
      "sat",
      "on",
      "the",
      "mat",
      ".",
      "a",
      "[UNK]",
    ]);
    // Model tokens differ from whitespace tokens: case folded, punctuation split, sub-words.
    expect(jaccard("The cats sat.", "the cat sat", { tokenizer })).toBe(3 / 5);
    expect(jaccard("The cats sat.", "the cat sat")).toBe(0);
  });

  it("reports a missing or broken file", async () => {
    const dir = temporaryDirectory();
    await expect(loadTokenizer(`${dir}/missing.json`)).rejects.toThrow(MetricsError);
    await expect(loadTokenizer(`${dir}/missing.json`)).rejects.toThrow(/Cannot read the tokenizer file/);
  });
});
