import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { byteToUnicode, createByteLevelTokenizer } from "./byte-level-tokenizer.js";
import { ModelTokenizer } from "./model-tokenizer.js";
import { TokenizerError } from "./tokenizer-error.js";

async function tinyDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "apo-tok-"));
  const { tokenizerJson, tokenizerConfig } = createByteLevelTokenizer();
  await writeFile(join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson));
  await writeFile(join(dir, "tokenizer_config.json"), JSON.stringify(tokenizerConfig));
  return dir;
}

describe("byte-level tokenizer", () => {
  it("maps all 256 bytes to distinct printable characters", () => {
    const chars = byteToUnicode();
    expect(new Set(chars).size).toBe(256);
    expect(chars[65]).toBe("A");
    expect(chars[32]).toBe("Ġ");
    expect(chars[10]).toBe("Ċ");
  });
  it("encodes UTF-8 bytes at id byte + 3 and round-trips text", async () => {
    const tok = await ModelTokenizer.load(await tinyDir());
    expect(tok.encode("A b")).toEqual([65 + 3, 32 + 3, 98 + 3]);
    expect(tok.encode("é")).toEqual([0xc3 + 3, 0xa9 + 3]);
    const text = "Grüße, 世界!\n<s> tabs\t";
    expect(tok.decode(tok.encode(text))).toBe(text);
    expect([tok.padTokenId, tok.bosTokenId, tok.eosTokenId]).toEqual([0, 1, 2]);
    expect(tok.encode("<s>x</s>")).toEqual([1, 120 + 3, 2]);
  });
  it("renders its chat template", async () => {
    const tok = await ModelTokenizer.load(await tinyDir());
    const prompt = tok.applyChatTemplate([{ role: "user", content: "Hi" }], { addGenerationPrompt: true });
    expect(prompt).toBe("<s><|user|>\nHi</s>\n<|assistant|>\n");
    const full = tok.applyChatTemplate([
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Yo" },
    ]);
    expect(full).toBe("<s><|user|>\nHi</s>\n<|assistant|>\nYo</s>\n");
  });
  it("takes a named template list and a chat_template.jinja file", async () => {
    const { tokenizerJson, tokenizerConfig } = createByteLevelTokenizer();
    const named = new ModelTokenizer(tokenizerJson, {
      ...tokenizerConfig,
      chat_template: [
        { name: "tool_use", template: "TOOLS" },
        { name: "default", template: "{% for m in messages %}[{{ m.content }}]{% endfor %}" },
      ],
    });
    expect(named.applyChatTemplate([{ role: "user", content: "a" }])).toBe("[a]");
    const dir = await tinyDir();
    await writeFile(join(dir, "chat_template.jinja"), "{{ messages[0]['content'] | upper }}");
    const fromFile = await ModelTokenizer.load(dir);
    expect(fromFile.applyChatTemplate([{ role: "user", content: "abc" }])).toBe("ABC");
  });
  it("fails clearly without tokenizer.json or chat template", async () => {
    const empty = await mkdtemp(join(tmpdir(), "apo-tok-empty-"));
    await expect(ModelTokenizer.load(empty)).rejects.toThrow(/no tokenizer.json/);
    const { tokenizerJson } = createByteLevelTokenizer();
    const tok = new ModelTokenizer(tokenizerJson, {});
    expect(() => tok.applyChatTemplate([{ role: "user", content: "x" }])).toThrow(TokenizerError);
  });
});

describe("tokenizer files", () => {
  it("name the file when tokenizer.json is not JSON, not an object, or of an unknown model type", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-tok-"));
    const file = join(dir, "tokenizer.json");
    await writeFile(file, "{ not json");
    await expect(ModelTokenizer.load(dir)).rejects.toMatchObject({
      file,
      message: expect.stringMatching(/not readable JSON/),
    });
    await writeFile(file, "[1, 2]");
    await expect(ModelTokenizer.load(dir)).rejects.toThrow(/tokenizer\.json: expected a JSON object/);
    await writeFile(file, JSON.stringify({ model: { type: "Quantum" } }));
    await expect(ModelTokenizer.load(dir)).rejects.toThrow(
      /model\.type = "Quantum" is not a tokenizer model/,
    );
  });
});
