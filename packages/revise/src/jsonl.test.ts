import { createReadStream, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { tempDir } from "../test/helpers.js";
import { InputEncodingError, InputSyntaxError, InvalidFieldError, LineTooLongError } from "./errors.js";
import {
  type ByteSource,
  bytesSource,
  isBlank,
  readJsonl,
  readLines,
  readLinesFrom,
  validateRecord,
} from "./jsonl.js";
import { CandidateRowSchema, InputRowSchema } from "./records.js";

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

async function collectLines(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

async function readlineLines(path: string): Promise<string[]> {
  const rl = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  return collectLines(rl);
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
        expect(
          await collectLines(readLinesFrom(countingSource(Buffer.from(text)), { chunkBytes: chunk })),
        ).toEqual(expected);
      }
      expect(await collectLines(readLines(path))).toEqual(expected);
    }
  });

  it("reads no further ahead than one chunk, however slowly lines are taken", async () => {
    const text = Array.from({ length: 1000 }, (_, i) => `{"line":${i}}`).join("\n");
    const source = countingSource(Buffer.from(text));
    const lines = readLinesFrom(source, { chunkBytes: 256 });
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

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "clair-jsonl-")), "in.jsonl");
  writeFileSync(path, text);
  return path;
}

async function collect(path: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const row of readJsonl(path)) out.push(row);
  return out;
}

describe("readJsonl", () => {
  it("yields objects with 1-based line numbers and skips blank lines", async () => {
    const path = file('{"prompt":"a"}\n\n{"prompt":"b"}\r\n');
    expect(await collect(path)).toEqual([
      { line: 1, value: { prompt: "a" } },
      { line: 3, value: { prompt: "b" } },
    ]);
  });

  it("names the line of malformed JSON", async () => {
    const path = file('{"prompt":"a"}\n{"prompt": oops}\n');
    const error = await collect(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputSyntaxError);
    expect((error as InputSyntaxError).line).toBe(2);
    expect((error as InputSyntaxError).message).toContain(`${path}:2`);
  });

  it("rejects a line that is not an object", async () => {
    const error = await collect(file('{"prompt":"a"}\n[1,2]\n')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "INPUT_SYNTAX", line: 2 });
  });

  it("takes a line for blank when trim() leaves nothing", () => {
    expect(["", " ", "\t\v\f", "\u00a0\u2003\ufeff"].every(isBlank)).toBe(true);
    expect(isBlank(" {} ")).toBe(false);
  });

  it("yields a row for each line of node:readline that is not blank, whatever the line ends", async () => {
    const ends = ["\n", "\r\n", "\r", "\r\r\n", "\n\r"];
    const blanks = ["", " ", "\t", "\v\f", "\u00a0", "\u2003 \ufeff", "\u3000"];
    let seed = 7;
    const pick = <T>(xs: readonly T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return xs[seed % xs.length]!;
    };
    for (let trial = 0; trial < 40; trial++) {
      let text = "";
      for (let i = 0; i < 12; i++) {
        text += pick([true, false]) ? `{"i":${i},"s":"é\u2028x"}` : pick(blanks);
        if (i < 11 || pick([true, false])) text += pick(ends);
      }
      const path = file(text);
      const expected = (await readlineLines(path)).flatMap((text, i) =>
        text.trim() === "" ? [] : [{ line: i + 1, value: JSON.parse(text) as unknown }],
      );
      expect(await collect(path), JSON.stringify(text)).toEqual(expected);
    }
  });
});

describe("readJsonl on bad bytes", () => {
  it("drops a UTF-8 byte order mark at the start of the file", async () => {
    const path = file('\ufeff{"prompt":"a"}\n{"prompt":"b"}\n');
    expect(await collect(path)).toEqual([
      { line: 1, value: { prompt: "a" } },
      { line: 2, value: { prompt: "b" } },
    ]);
  });

  it("rejects bytes that are not UTF-8, naming file, line and byte, instead of reading U+FFFD", async () => {
    for (const bad of [
      [0xff],
      [0xc3],
      [0xe2, 0x82],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      const path = join(mkdtempSync(join(tmpdir(), "clair-jsonl-")), "in.jsonl");
      writeFileSync(
        path,
        Buffer.concat([Buffer.from('{"prompt":"a"}\n{"prompt":"'), Buffer.from(bad), Buffer.from('"}\n')]),
      );
      for (const chunkBytes of [1, 3, 65536]) {
        const error = await (async () => {
          for await (const _ of readLines(path, { chunkBytes })) void _;
        })().catch((e: unknown) => e);
        expect(error, bad.join(",")).toBeInstanceOf(InputEncodingError);
        expect(error).toMatchObject({ code: "INPUT_ENCODING", file: path, line: 2, byte: 12 });
        expect((error as Error).message).toContain(`${path}:2: not valid UTF-8`);
      }
    }
  });

  it("stops at a line longer than the cap without holding it, naming file and line", async () => {
    const path = file(`{"prompt":"a"}\n{"prompt":"${"x".repeat(5000)}"}\n{"prompt":"c"}\n`);
    const error = await (async () => {
      for await (const _ of readJsonl(path, { maxLineBytes: 1000 })) void _;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LineTooLongError);
    expect(error).toMatchObject({ code: "LINE_TOO_LONG", file: path, line: 2, limitBytes: 1000 });
    expect((error as Error).message).toMatch(
      /in\.jsonl:2: the line is longer than 1000 bytes.*--max-line-mib/,
    );
    // read in small chunks, it stops once the cap is passed, long before the line ends
    const source = countingSource(Buffer.from(`{"p":"${"y".repeat(100_000)}"}\n`));
    const lines = readLinesFrom(source, { chunkBytes: 256, maxLineBytes: 1000, name: "big.jsonl" });
    await expect(lines.next()).rejects.toMatchObject({ code: "LINE_TOO_LONG", file: "big.jsonl", line: 1 });
    expect(source.handedOut).toBeLessThan(2000);
    expect(await collect(file(`{"prompt":"${"z".repeat(900)}"}\n`))).toHaveLength(1);
  });
});

describe("validateRecord", () => {
  it("names a missing field with its line", () => {
    const error = (() => {
      try {
        return validateRecord(InputRowSchema, { response: "x" }, { file: "in.jsonl", line: 7 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidFieldError);
    expect(error).toMatchObject({ field: "prompt", line: 7, file: "in.jsonl" });
    expect((error as Error).message).toMatch(/in\.jsonl:7: field "prompt"/);
  });

  it("names nested fields", () => {
    expect(() =>
      validateRecord(CandidateRowSchema, { prompt: "p", completions: [{ response: "a" }, { response: 3 }] }),
    ).toThrow(/field "completions\.1\.response"/);
  });

  it("returns the typed record", () => {
    expect(validateRecord(InputRowSchema, { prompt: "p", extra: 1 })).toEqual({ prompt: "p" });
  });
});
