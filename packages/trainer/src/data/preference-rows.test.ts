import { describe, expect, it } from "vitest";
import { createByteLevelTokenizer } from "../tokenizer/byte-level-tokenizer.js";
import { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { parsePreferenceRow } from "./preference-rows.js";
import { TrainDataError } from "./train-data-error.js";

const { tokenizerJson, tokenizerConfig } = createByteLevelTokenizer();
const tok = new ModelTokenizer(tokenizerJson, tokenizerConfig);
const byte = (text: string) => [...new TextEncoder().encode(text)].map((b) => b + 3);

describe("preference rows", () => {
  it("renders message-list rows with the chat template, the completion as the token suffix (TRL)", () => {
    const user = [{ role: "user", content: "Hi" }];
    const pair = parsePreferenceRow(
      {
        prompt: user,
        chosen: [{ role: "assistant", content: "Yo" }],
        rejected: [{ role: "assistant", content: "No" }],
      },
      tok,
      { line: 1 },
    );
    expect(pair.chosen.promptIds).toEqual([1, ...byte("<|user|>\nHi"), 2, ...byte("\n<|assistant|>\n")]);
    expect(pair.chosen.completionIds).toEqual([...byte("Yo"), 2, ...byte("\n")]);
    expect(pair.rejected.promptIds).toEqual(pair.chosen.promptIds);
  });
  it("never templates plain strings (TRL 1.13), and appends EOS only when the text lacks it", () => {
    // The tokenizer has a chat template; strings still go in as they are.
    const pair = parsePreferenceRow({ prompt: "a", chosen: "b", rejected: "c</s>" }, tok, { line: 1 });
    expect(pair.chosen).toEqual({ promptIds: byte("a"), completionIds: [...byte("b"), 2] });
    expect(pair.rejected.completionIds).toEqual([...byte("c"), 2]);
  });
  it("adds the tokenizer's special tokens to plain strings as transformers' tokenizer(text) does", () => {
    const withBos = new ModelTokenizer(
      {
        ...tokenizerJson,
        post_processor: {
          type: "TemplateProcessing",
          single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
          pair: [{ Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
          special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } },
        },
      },
      tokenizerConfig,
    );
    const pair = parsePreferenceRow({ prompt: "a", chosen: "b", rejected: "c" }, withBos, { line: 1 });
    expect(pair.chosen).toEqual({ promptIds: [1, ...byte("a")], completionIds: [...byte("b"), 2] });
  });
  it("splits implicit-prompt rows as TRL's extract_prompt does", () => {
    const conv = parsePreferenceRow(
      {
        chosen: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Yo" },
        ],
        rejected: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: "No" },
        ],
      },
      tok,
      { line: 1 },
    );
    const explicit = parsePreferenceRow(
      {
        prompt: [{ role: "user", content: "Hi" }],
        chosen: [{ role: "assistant", content: "Yo" }],
        rejected: [{ role: "assistant", content: "No" }],
      },
      tok,
      { line: 1 },
    );
    expect(conv).toEqual(explicit);
    const text = parsePreferenceRow({ chosen: "Q? yes", rejected: "Q? no" }, tok, { line: 1 });
    expect(text.chosen).toEqual({ promptIds: byte("Q?"), completionIds: [...byte(" yes"), 2] });
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
      parsePreferenceRow({ prompt: "a", chosen: [{ role: "assistant", content: "b" }], rejected: "c" }, tok, {
        file: "p.jsonl",
        line: 5,
      }),
    ).toThrow(
      expect.objectContaining({
        line: 5,
        field: "chosen",
        message: expect.stringMatching(/prompt is a string but chosen is a message list/),
      }),
    );
    expect(() => parsePreferenceRow({ chosen: "", rejected: "x" }, tok, { line: 6 })).toThrow(
      /line 6: chosen or rejected is empty/,
    );
    expect(() =>
      parsePreferenceRow({ prompt_ids: [1], chosen_ids: [2] }, null, { file: "p.jsonl", line: 4 }),
    ).toThrow(expect.objectContaining({ file: "p.jsonl", line: 4, field: "rejected_ids" }));
  });
});
