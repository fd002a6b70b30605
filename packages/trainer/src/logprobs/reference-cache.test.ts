import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PAPER_TRUNCATION } from "../data/truncate-pair.js";
import type { PairLogProbs } from "./pair-log-probs.js";
import { cachedReferenceLogProbs, referenceKey } from "./reference-cache.js";

const value: PairLogProbs = {
  chosen: Float64Array.of(-1.25, 0.1 + 0.2),
  rejected: Float64Array.of(-3, -4.5),
  chosenTokens: Float64Array.of(3, 4),
  rejectedTokens: Float64Array.of(2, 5),
};
const pairs = [
  {
    line: 1,
    chosen: { promptIds: [1, 2], completionIds: [3] },
    rejected: { promptIds: [1, 2], completionIds: [4] },
  },
];

describe("reference cache", () => {
  it("keys on weights, token ids, truncation and precision", () => {
    const key = referenceKey({ weights: "w", pairs, truncation: PAPER_TRUNCATION, dtype: "float32" });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const other = [
      referenceKey({ weights: "v", pairs, truncation: PAPER_TRUNCATION, dtype: "float32" }),
      referenceKey({ weights: "w", pairs: [], truncation: PAPER_TRUNCATION, dtype: "float32" }),
      referenceKey({
        weights: "w",
        pairs,
        truncation: { ...PAPER_TRUNCATION, maxPromptLength: 9 },
        dtype: "float32",
      }),
      referenceKey({ weights: "w", pairs, truncation: PAPER_TRUNCATION, dtype: "float64" }),
    ];
    expect(new Set([key, ...other]).size).toBe(5);
  });

  it("keys on the training forward the values were computed in, and only when there is one", () => {
    const parts = { weights: "w", pairs, truncation: PAPER_TRUNCATION, dtype: "float32" } as const;
    const forward = { batches: [[0]], rows: "pairs", expectedSequenceLength: 3 } as const;
    const keys = [
      referenceKey(parts),
      referenceKey({ ...parts, forward }),
      referenceKey({ ...parts, forward: { ...forward, rows: "chosen" } }),
      referenceKey({ ...parts, forward: { ...forward, expectedSequenceLength: 300 } }),
      referenceKey({ ...parts, forward: { ...forward, batches: [[0], [1]] } }),
    ];
    expect(new Set(keys).size).toBe(5);
    // Without a forward, a key is the one HEAD computed before forwards were keyed (caches stay valid).
    expect(keys[0]).toBe("a6f4cc1dda2eed6356dfba7961ca0cbd8b88587e9c2d7819c40abf40d8bbfea7");
  });

  it("keys on the pairs' anchors when they were read with them (apo_anchored), as before without", () => {
    const keyOf = (ps: typeof pairs) =>
      referenceKey({ weights: "w", pairs: ps, truncation: PAPER_TRUNCATION, dtype: "float32" });
    // The key of pairs without anchors is the one earlier versions wrote (existing caches stay valid).
    expect(keyOf(pairs)).toBe("a6f4cc1dda2eed6356dfba7961ca0cbd8b88587e9c2d7819c40abf40d8bbfea7");
    const zero = keyOf(pairs.map((p) => ({ ...p, anchor: 0 })));
    const down = keyOf(pairs.map((p) => ({ ...p, anchor: 1 })));
    expect(new Set([keyOf(pairs), zero, down]).size).toBe(3);
  });

  it("computes once, then reads back the exact doubles; recomputes over a partial file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-refcache-"));
    let calls = 0;
    const compute = async () => {
      calls += 1;
      return value;
    };
    const first = await cachedReferenceLogProbs(dir, "a".repeat(64), compute);
    const second = await cachedReferenceLogProbs(dir, "a".repeat(64), compute);
    expect([first.hit, second.hit, calls]).toEqual([false, true, 1]);
    expect(second.value).toEqual(value);
    expect(await readdir(dir)).toEqual([`reference-${"a".repeat(32)}.json`]);
    await writeFile(first.file, '{"key": "aaa');
    const third = await cachedReferenceLogProbs(dir, "a".repeat(64), compute);
    expect([third.hit, calls]).toEqual([false, 2]);
  });
});
