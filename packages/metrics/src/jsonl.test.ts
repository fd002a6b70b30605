import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/fixtures.js";
import { type LineBatch, readLineBatches } from "./jsonl.js";

async function batches(
  path: string,
  options: Parameters<typeof readLineBatches>[1] = {},
): Promise<LineBatch[]> {
  const out: LineBatch[] = [];
  for await (const batch of readLineBatches(path, options)) out.push(batch);
  return out;
}

function write(bytes: Buffer | string): string {
  const path = join(temporaryDirectory(), "pairs.jsonl");
  writeFileSync(path, bytes);
  return path;
}

describe("readLineBatches", () => {
  it("splits on \\n and \\r\\n at any chunk size, numbering every line", async () => {
    const text = 'a\r\n\nb\rc\n{"x":"é😀"}\r\n\r\nlast\r';
    const expected = ["a", "", "b\rc", '{"x":"é😀"}', "", "last"];
    for (const chunkBytes of [1, 2, 3, 7, 1 << 20]) {
      const all = await batches(write(text), { chunkBytes, batchLines: 2 });
      expect(all.flatMap((b) => b.lines)).toEqual(expected);
      expect(all.map((b) => b.firstLine)).toEqual([1, 3, 5]);
      expect(all.flatMap((b) => b.unreadable)).toEqual([]);
    }
  });

  it("drops a UTF-8 byte order mark at the start", async () => {
    const [batch] = await batches(write('\ufeff{"chosen":"a","rejected":"b"}\n'));
    expect(batch?.lines).toEqual(['{"chosen":"a","rejected":"b"}']);
  });

  it("lists a line that is not UTF-8 by number instead of reading U+FFFD", async () => {
    const path = write(
      Buffer.concat([Buffer.from("ok\nbad "), Buffer.from([0xff, 0xfe]), Buffer.from("\nok\n")]),
    );
    for (const chunkBytes of [1, 4, 1 << 20]) {
      const [batch] = await batches(path, { chunkBytes });
      expect(batch?.lines).toEqual(["ok", "", "ok"]);
      expect(batch?.unreadable).toEqual([{ line: 2, reason: expect.stringMatching(/not valid UTF-8/) }]);
    }
  });

  it("skips a line longer than the cap without holding it, and goes on", async () => {
    const path = write(`first\n${"x".repeat(200_000)}\nthird\n${"y".repeat(5000)}`);
    const all = await batches(path, { chunkBytes: 256, maxLineBytes: 1000 });
    expect(all.flatMap((b) => b.lines)).toEqual(["first", "", "third", ""]);
    expect(all.flatMap((b) => b.unreadable)).toEqual([
      { line: 2, reason: expect.stringMatching(/longer than 1000 bytes.*--max-line-mib/) },
      { line: 4, reason: expect.stringMatching(/longer than 1000 bytes/) },
    ]);
  });
});
