import { describe, expect, it } from "vitest";
import { createByteLevelTokenizer } from "../tokenizer/byte-level-tokenizer.js";
import { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { parsePreferenceRow } from "./preference-rows.js";
import { TrainDataError } from "./train-data-error.js";

const { tokenizerJson, tokenizerConfig } = createByteLevelTokenizer();
const tok = new ModelTokenizer(tokenizerJson, tokenizerConfig);
const byte = (text: string) => [...new TextEncoder().encode(text)].map((b) => b + 3);

describe("preference rows", () => {
  it("renders text rows with the chat template, TRL style", () => {
    const pair = parsePreferenceRow({ prompt: "Hi", chosen: "Yo", rejected: "No" }, tok, { line: 1 });
    expect(pair.chosen.promptIds).toEqual([1, ...byte("<|user|>\nHi"), 2, ...byte("\n<|assistant|>\n")]);
    expect(pair.chosen.completionIds).toEqual([...byte("Yo"), 2, ...byte("\n")]);
    expect(pair.rejected.promptIds).toEqual(pair.chosen.promptIds);
  });
  it("appends EOS to plain completions when there is no chat template", () => {
    const plain = new ModelTokenizer(tokenizerJson, { ...tokenizerConfig, chat_template: null });
    const pair = parsePreferenceRow({ prompt: "a", chosen: "b", rejected: "c" }, plain, { line: 1 });
    expect(pair.chosen).toEqual({ promptIds: byte("a"), completionIds: [...byte("b"), 2] });
  });
  it("passes token-id rows through and keeps the id", () => {
    const pair = parsePreferenceRow({ id: 7, prompt_ids: [1], chosen_ids: [4], rejected_ids: [5, 6] }, null, {
      line: 1,
    });
    expect(pair).toEqual({
      id: 7,
      chosen: { promptIds: [1], completionIds: [4] },
      rejected: { promptIds: [1], completionIds: [5, 6] },
    });
  });
  it("names the line and the problem", () => {
    expect(() => parsePreferenceRow({ prompt_ids: [1], chosen_ids: [2] }, null, { line: 4 })).toThrow(
      /line 4: rejected_ids must be an array of integer token ids/,
    );
    expect(() => parsePreferenceRow({ prompt: "a", chosen: "b" }, tok, { line: 2 })).toThrow(
      /line 2: missing "rejected"/,
    );
    expect(() => parsePreferenceRow({ prompt: "a", chosen: "b", rejected: "c" }, null, { line: 3 })).toThrow(
      /text rows need a tokenizer.json/,
    );
    expect(() => parsePreferenceRow({ prompt: 5, chosen: "b", rejected: "c" }, tok, { line: 1 })).toThrow(
      TrainDataError,
    );
    expect(() =>
      parsePreferenceRow({ prompt_ids: [1], chosen_ids: [2] }, null, { file: "p.jsonl", line: 4 }),
    ).toThrow(expect.objectContaining({ file: "p.jsonl", line: 4, field: "rejected_ids" }));
    const skipsPrompt = new ModelTokenizer(tokenizerJson, {
      ...tokenizerConfig,
      chat_template:
        "{% if add_generation_prompt %}X{% endif %}{% for m in messages %}{{ m.content }}{% endfor %}",
    });
    expect(() =>
      parsePreferenceRow({ prompt: "a", chosen: "b", rejected: "c" }, skipsPrompt, { line: 1 }),
    ).toThrow(/renders the prompt differently/);
  });
});
