import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../test/helpers.js";
import { AppendFile } from "./append-file.js";
import { Journal, journalPaths, repairTail } from "./journal.js";
import type { PreferenceRow } from "./records.js";

const meta = {
  dataset: "clair",
  line: 1,
  models: {},
  raw: {},
  usage: { promptTokens: 0, completionTokens: 0 },
} as const;

function row(id: string): PreferenceRow {
  return { id, prompt: "p", chosen: "a", rejected: "b", rationale: "", meta: { ...meta } };
}

describe("AppendFile", () => {
  it("writes concurrent appends whole, in one file, each resolved once on disk", async () => {
    const path = join(tempDir(), "a.jsonl");
    const file = await AppendFile.open(path);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => file.append(`${JSON.stringify({ i, pad: "x".repeat(i) })}\n`)),
    );
    await file.close();
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
    expect(lines).toHaveLength(200);
    expect(new Set(lines.map((line) => (JSON.parse(line) as { i: number }).i)).size).toBe(200);
  });
});

describe("repairTail", () => {
  it.each([
    ["a whole file", '{"a":1}\n{"a":2}\n', 0, '{"a":1}\n{"a":2}\n'],
    ["a torn last line", '{"a":1}\n{"a":', 5, '{"a":1}\n'],
    ["a single torn line", '{"a"', 4, ""],
    ["an empty file", "", 0, ""],
  ])("handles %s", async (_, text, cut, after) => {
    const path = join(tempDir(), "j.jsonl");
    writeFileSync(path, text);
    expect(await repairTail(path)).toBe(cut);
    expect(readFileSync(path, "utf8")).toBe(after);
  });

  it("ignores a missing file", async () => {
    expect(await repairTail(join(tempDir(), "none.jsonl"))).toBe(0);
  });
});

describe("Journal", () => {
  it("remembers accepted and rejected rows across opens, and rewrites failures", async () => {
    const paths = journalPaths(join(tempDir(), "out.jsonl"));
    const first = await Journal.open(paths);
    await first.accept(row("L1-a"));
    await first.reject({
      id: 'L2-"quoted"',
      prompt: "p",
      reason: "identical",
      detail: "same",
      meta: { ...meta },
    });
    await first.fail({ id: "L3-c", line: 3, prompt: "p", error: "503", code: "ENDPOINT_UNAVAILABLE" });
    await first.close();
    const second = await Journal.open(paths);
    expect(second.has("L1-a")).toBe(true);
    expect(second.has('L2-"quoted"')).toBe(true);
    expect(second.has("L3-c")).toBe(false);
    expect(second.doneCount).toBe(2);
    await second.close();
    expect(readFileSync(paths.failures, "utf8")).toBe("");
  });

  it("reads ids from rows written in any key order", async () => {
    const paths = journalPaths(join(tempDir(), "out.jsonl"));
    writeFileSync(paths.output, '{"prompt":"p","id":"L9-z"}\n');
    const journal = await Journal.open(paths);
    expect(journal.has("L9-z")).toBe(true);
    await journal.close();
  });

  it("names a line without an id", async () => {
    const paths = journalPaths(join(tempDir(), "out.jsonl"));
    writeFileSync(paths.output, '{"id":"L1-a"}\n{"prompt":"p"}\n');
    await expect(Journal.open(paths)).rejects.toMatchObject({ code: "JOURNAL_CORRUPT", line: 2 });
  });
});
