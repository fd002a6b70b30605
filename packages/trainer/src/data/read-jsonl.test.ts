import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_LINE_BYTES, parseJsonl, readJsonl } from "./read-jsonl.js";
import { TrainDataError } from "./train-data-error.js";

async function collect(file: string): Promise<{ line: number; value: unknown }[]> {
  const rows: { line: number; value: unknown }[] = [];
  for await (const row of readJsonl(file)) rows.push(row);
  return rows;
}

describe("JSONL reader", () => {
  it("parses text with 1-based line numbers, skipping blank lines", () => {
    expect(parseJsonl('{"a":1}\n\n{"a":2}\n')).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 3, value: { a: 2 } },
    ]);
    expect(() => parseJsonl('{"a":1}\n\n{oops\n')).toThrow(/^line 3: not valid JSON$/);
    expect(() => parseJsonl("{oops", "p.jsonl")).toThrow(/^p\.jsonl:1: not valid JSON$/);
  });

  it("streams a file as parseJsonl parses its text, across chunk boundaries and CRLF endings", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-jsonl-"));
    const file = join(dir, "rows.jsonl");
    const long = "é".repeat(70_000); // a line over the 64 KiB chunk, with 2-byte characters split across chunks
    const text = `{"a":1}\r\n\n${JSON.stringify({ long })}\n  \n{"b":[2]}`;
    await writeFile(file, text);
    expect(await collect(file)).toEqual(parseJsonl(text));
    expect((await collect(file)).map((r) => r.line)).toEqual([1, 3, 5]);
  });

  it("names the file and line of a line that is not JSON, and the file it cannot read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-jsonl-"));
    const file = join(dir, "bad.jsonl");
    await writeFile(file, '{"a":1}\n{"a": \n');
    const error = await collect(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainDataError);
    expect(error).toMatchObject({
      file,
      line: 2,
      code: "BAD_TRAIN_DATA",
      message: `${file}:2: not valid JSON`,
    });
    await expect(collect(join(dir, "absent.jsonl"))).rejects.toMatchObject({
      line: 0,
      message: expect.stringMatching(/absent\.jsonl: cannot read the file \(.*ENOENT/),
    });
  });

  it("skips a UTF-8 byte-order mark at the start of a file, and only there", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-jsonl-"));
    const file = join(dir, "bom.jsonl");
    await writeFile(file, '\uFEFF{"a":1}\n{"a":2}\n');
    expect(await collect(file)).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 2, value: { a: 2 } },
    ]);
    expect(parseJsonl('\uFEFF{"a":1}\n')).toEqual([{ line: 1, value: { a: 1 } }]);
    await writeFile(file, '{"a":1}\n\uFEFF{"a":2}\n');
    await expect(collect(file)).rejects.toMatchObject({ line: 2, message: `${file}:2: not valid JSON` });
  });

  it("rejects bytes that are not UTF-8, naming the file, line and byte, instead of reading U+FFFD", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-jsonl-"));
    const file = join(dir, "latin1.jsonl");
    // Line 2 was saved as Latin-1: "café" with é as the single byte 0xE9.
    await writeFile(
      file,
      Buffer.concat([Buffer.from('{"a":"ok"}\n{"a":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]),
    );
    const error = await collect(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainDataError);
    expect(error).toMatchObject({
      file,
      line: 2,
      message: `${file}:2: not valid UTF-8 (byte 10 of the line): save the file as UTF-8`,
    });
    // A character split across the 64 KiB read chunks is still one valid character.
    await writeFile(file, `${JSON.stringify({ a: "x".repeat(65_535 - 7) + "é".repeat(3) })}\n`);
    expect(await collect(file)).toHaveLength(1);
  });

  it("refuses a line over maxLineBytes, naming file and line, before holding it whole", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-jsonl-"));
    const file = join(dir, "long.jsonl");
    await writeFile(file, `{"a":1}\n${JSON.stringify({ a: "x".repeat(1000) })}\n{"a":3}\n`);
    const read = async (options: { maxLineBytes: number; overLimitHint?: string }) => {
      const rows: unknown[] = [];
      for await (const row of readJsonl(file, options)) rows.push(row);
      return rows;
    };
    await expect(read({ maxLineBytes: 100 })).rejects.toMatchObject({
      code: "BAD_TRAIN_DATA",
      file,
      line: 2,
      message: expect.stringMatching(/:2: line longer than 100 bytes: .*maxLineBytes/),
    });
    await expect(read({ maxLineBytes: 100, overLimitHint: "shorten it" })).rejects.toThrow(
      /line longer than 100 bytes: shorten it$/,
    );
    expect(await read({ maxLineBytes: 1008 })).toHaveLength(3);
    expect(DEFAULT_MAX_LINE_BYTES).toBe(64 * 2 ** 20);
  });
});
