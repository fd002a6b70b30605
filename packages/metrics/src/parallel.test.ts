import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { samplePairs, temporaryDirectory, writeJsonl, writeTinyTokenizer } from "../test/fixtures.js";
import { contrastiveness } from "./contrastiveness.js";
import { InvalidLineError, InvalidPairError } from "./errors.js";
import { loadTokenizer } from "./load-tokenizer.js";
import { ContrastivenessPool, contrastivenessOfFile, contrastivenessParallel } from "./parallel.js";

const pairs = samplePairs(300);
let dir: string;
let file: string;
let pool: ContrastivenessPool;

beforeAll(() => {
  dir = temporaryDirectory();
  // Blank lines and a message-list record among the string ones.
  file = writeJsonl(dir, "pairs.jsonl", [
    ...pairs.slice(0, 150),
    "",
    "   ",
    {
      chosen: [{ role: "assistant", content: pairs[150]!.chosen }],
      rejected: [{ role: "assistant", content: pairs[150]!.rejected }],
    },
    ...pairs.slice(151),
  ]);
  pool = new ContrastivenessPool({ threads: 2 });
});

afterAll(async () => {
  await pool.close();
});

describe("ContrastivenessPool", () => {
  it("gives on worker threads the statistics that contrastiveness gives in one thread", async () => {
    const expected = await contrastiveness(pairs);
    const report = await pool.ofFile(file);
    expect(report.count).toBe(300);
    const { file: _file, invalidLines, values, ...statistics } = report;
    expect(statistics).toEqual(expected);
    expect(invalidLines).toEqual([]);
    expect(values.levenshtein.length).toBe(300);
    expect(await pool.ofPairs(pairs)).toEqual(expected);
  });

  it("stops at the first malformed line, naming file and line", async () => {
    const lines = [
      ...pairs.slice(0, 100),
      "{not json",
      ...pairs.slice(100, 200),
      { chosen: "only one side" },
    ];
    const bad = writeJsonl(dir, "bad.jsonl", lines);
    const error = await pool.ofFile(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidLineError);
    expect((error as InvalidLineError).line).toBe(101);
    expect((error as InvalidLineError).message).toMatch(/bad\.jsonl:101: not valid JSON/);
  });

  it("counts and lists malformed lines with skipInvalid", async () => {
    const bad = writeJsonl(dir, "skip.jsonl", [pairs[0], "[1, 2]", pairs[1], { chosen: "x", rejected: 5 }]);
    const report = await pool.ofFile(bad, { skipInvalid: true });
    expect(report.count).toBe(2);
    expect(report.invalid).toBe(2);
    expect(report.invalidLines.map((l) => l.line)).toEqual([2, 4]);
    expect(report.invalidLines[1]!.reason).toMatch(/`rejected`: expected a string/);
  });

  it("names a line that is not UTF-8, or counts it with skipInvalid", async () => {
    const bad = join(dir, "latin1.jsonl");
    writeFileSync(
      bad,
      Buffer.concat([
        Buffer.from(`${JSON.stringify(pairs[0])}\n{"chosen":"na`),
        Buffer.from([0xef, 0x76]),
        Buffer.from(`e","rejected":"x"}\n${JSON.stringify(pairs[1])}\n`),
      ]),
    );
    const error = await pool.ofFile(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidLineError);
    expect(error).toMatchObject({ file: bad, line: 2 });
    expect((error as Error).message).toContain(`${bad}:2: not valid UTF-8`);
    const report = await pool.ofFile(bad, { skipInvalid: true });
    expect(report).toMatchObject({ count: 2, invalid: 1 });
  });

  it("never starts more worker threads than there are cores", async () => {
    const big = new ContrastivenessPool({ threads: availableParallelism() + 2 });
    try {
      expect(big.threads).toBe(availableParallelism());
    } finally {
      await big.close();
    }
  });

  it("reports progress", async () => {
    const seen: number[] = [];
    await pool.ofFile(file, { onProgress: (p) => seen.push(p.bytesDone / p.totalBytes) });
    expect(seen.at(-1)).toBe(1);
  });
});

describe("contrastivenessOfFile and contrastivenessParallel", () => {
  it("measure in the calling thread with threads: 0, even with a tokenizer function", async () => {
    const tokenizerPath = writeTinyTokenizer(dir);
    const tokenizer = await loadTokenizer(tokenizerPath);
    const local = await contrastivenessOfFile(file, { threads: 0, tokenizer });
    const expected = await contrastiveness(pairs, { tokenizer });
    expect(local.jaccard).toEqual(expected.jaccard);
    // The same tokenizer loaded by every worker from its path.
    const parallel = await contrastivenessOfFile(file, {
      threads: 2,
      tokenizer: { tokenizerJson: tokenizerPath },
    });
    expect(parallel.jaccard).toEqual(expected.jaccard);
  });

  it("report a tokenizer that the workers cannot load", async () => {
    await expect(
      contrastivenessOfFile(file, {
        threads: 1,
        tokenizer: { tokenizerJson: `${dir}/missing/tokenizer.json` },
      }),
    ).rejects.toThrow(/Cannot read the tokenizer file/);
  });

  it("refuse a tokenizer function on worker threads", () => {
    expect(() => new ContrastivenessPool({ threads: 1, tokenizer: (t: string) => t.split(" ") })).toThrow(
      /threads: 0/,
    );
  });

  it("take async iterables and name invalid pairs", async () => {
    async function* stream() {
      yield* pairs.slice(0, 20);
    }
    expect(await contrastivenessParallel(stream(), { threads: 1 })).toEqual(
      await contrastiveness(pairs.slice(0, 20)),
    );
    await expect(contrastivenessParallel([pairs[0], { chosen: "x" }], { threads: 1 })).rejects.toThrow(
      InvalidPairError,
    );
    const skipped = await contrastivenessParallel([pairs[0], { chosen: "x" }], {
      threads: 1,
      skipInvalid: true,
    });
    expect(skipped.invalid).toBe(1);
  });
});
