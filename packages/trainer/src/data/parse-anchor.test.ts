import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAnchor } from "./parse-anchor.js";
import { readPreferencePairs } from "./read-pairs.js";
import { TrainDataError } from "./train-data-error.js";
import { TRL_TRUNCATION } from "./truncate-pair.js";

const at = { file: "pairs.jsonl", line: 7 };

function thrown(f: () => unknown): TrainDataError {
  try {
    f();
  } catch (error) {
    if (error instanceof TrainDataError) return error;
    throw error;
  }
  throw new Error("expected a TrainDataError");
}

describe("a row's anchor", () => {
  it('is "zero" (0), "down" (1) or a number in [0, 1]', () => {
    expect(parseAnchor({ anchor: "zero" }, at)).toBe(0);
    expect(parseAnchor({ anchor: "down" }, at)).toBe(1);
    for (const a of [0, 0.25, 1]) expect(parseAnchor({ anchor: a }, at)).toBe(a);
  });

  it("names file, line, field and value when it is missing or invalid", () => {
    const missing = thrown(() => parseAnchor({ prompt: "Hi" }, at));
    expect(missing).toMatchObject({ file: "pairs.jsonl", line: 7, field: "anchor", code: "BAD_TRAIN_DATA" });
    expect(missing.message).toMatch(/^pairs\.jsonl:7: missing "anchor"/);
    for (const [value, shown] of [
      [1.5, "1.5"],
      [-0.1, "-0.1"],
      ["up", '"up"'],
      ["Zero", '"Zero"'],
      ["0.5", '"0.5"'],
      [null, "null"],
      [true, "true"],
    ] as const) {
      const error = thrown(() => parseAnchor({ anchor: value }, at));
      expect(error).toMatchObject({ line: 7, field: "anchor" });
      expect(error.message).toContain(`pairs.jsonl:7: anchor ${shown} is invalid`);
      expect(error.message).toContain('"zero", "down" or a number in [0, 1]');
    }
  });

  it("is read with each pair when asked, and only then", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-anchor-"));
    const file = join(dir, "pairs.jsonl");
    const row = { prompt_ids: [1, 9], chosen_ids: [5, 2], rejected_ids: [6, 2] };
    const rows = [
      { ...row, anchor: "zero" },
      { ...row, anchor: "down" },
      { ...row, anchor: 0.4 },
    ];
    await writeFile(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
    const anchored = await readPreferencePairs(file, null, TRL_TRUNCATION, 64, { anchors: true });
    expect(anchored.pairs.map((p) => p.anchor)).toEqual([0, 1, 0.4]);
    const plain = await readPreferencePairs(file, null, TRL_TRUNCATION, 64);
    expect(plain.pairs.map((p) => p.anchor)).toEqual([undefined, undefined, undefined]);

    await writeFile(file, [rows[0], { ...row, anchor: 2 }].map((r) => `${JSON.stringify(r)}\n`).join(""));
    await expect(readPreferencePairs(file, null, TRL_TRUNCATION, 64, { anchors: true })).rejects.toThrow(
      `${file}:2: anchor 2 is invalid`,
    );
    // A loss without anchors does not read them, valid or not.
    expect((await readPreferencePairs(file, null, TRL_TRUNCATION, 64)).pairs).toHaveLength(2);
  });
});
