import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseJsonl, readJsonl } from "./read-jsonl.js";
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
});
