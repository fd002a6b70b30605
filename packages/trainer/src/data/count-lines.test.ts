import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { countLines } from "./count-lines.js";
import { TrainDataError } from "./train-data-error.js";

describe("countLines", () => {
  it("counts lines, a last one without a newline too", async () => {
    const dir = await mkdtemp(join(tmpdir(), "count-lines-"));
    const cases: [string, number][] = [
      ["", 0],
      ["{}\n", 1],
      ["{}\n{}", 2],
      ["{}\n\n{}\n", 3],
    ];
    for (const [text, lines] of cases) {
      await writeFile(join(dir, "f.jsonl"), text);
      expect(await countLines(join(dir, "f.jsonl"))).toBe(lines);
    }
    await expect(countLines(join(dir, "missing.jsonl"))).rejects.toBeInstanceOf(TrainDataError);
  });
});
