import { createReadStream, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { tempDir } from "../test/helpers.js";
import { type ByteSource, bytesSource, readLines, readLinesFrom } from "./read-lines.js";

/** {@link bytesSource} over `bytes`, counting the bytes handed out. */
function countingSource(bytes: Buffer): ByteSource & { handedOut: number } {
  const inner = bytesSource(bytes);
  const source = {
    handedOut: 0,
    async read(buffer: Uint8Array, offset: number, length: number) {
      const read = await inner.read(buffer, offset, length, null);
      source.handedOut += read.bytesRead;
      return read;
    },
  };
  return source;
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

async function readlineLines(path: string): Promise<string[]> {
  const rl = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  return collect(rl);
}

describe("readLinesFrom", () => {
  it("splits lines as node:readline does, whatever the chunk size", async () => {
    const dir = tempDir();
    const pieces = ["a", "é", "日本", "{}", "", "\n", "\r\n", "\r", "\r\r\n", "\n\n", "😀", " "];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 30; round++) {
      let text = "";
      for (let i = 0; i < 60; i++) text += pieces[random(pieces.length)];
      const path = join(dir, `t${round}.txt`);
      writeFileSync(path, text);
      const expected = await readlineLines(path);
      for (const chunk of [1, 2, 3, 5, 8, 64, 65536]) {
        expect(await collect(readLinesFrom(countingSource(Buffer.from(text)), chunk))).toEqual(expected);
      }
      expect(await collect(readLines(path))).toEqual(expected);
    }
  });

  it("reads no further ahead than one chunk, however slowly lines are taken", async () => {
    const text = Array.from({ length: 1000 }, (_, i) => `{"line":${i}}`).join("\n");
    const source = countingSource(Buffer.from(text));
    const lines = readLinesFrom(source, 256);
    let taken = 0;
    let bytes = 0;
    for await (const line of lines) {
      taken += 1;
      bytes += Buffer.byteLength(line) + 1;
      expect(source.handedOut).toBeLessThanOrEqual(bytes + 256);
      if (taken === 50) break;
    }
    expect(source.handedOut).toBeLessThan(text.length / 10);
  });
});
