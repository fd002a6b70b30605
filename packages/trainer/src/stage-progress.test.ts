import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { exportTrl } from "./export/export-trl.js";
import { writePreferenceLogProbs } from "./logprobs/preference-log-probs.js";
import { loadPretrainedModel } from "./models/pretrained-model.js";
import { formatDuration, StageProgress } from "./stage-progress.js";
import { type TinyTrainingSetup, writeTinyTrainingSetup } from "./testing/train-fixtures.js";
import { train } from "./train/train.js";

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream;
  return { stream, chunks };
}

/** A clock the test moves by hand. */
function manualClock() {
  let ms = 0;
  return {
    clock: () => ms,
    to: (t: number) => {
      ms = t;
    },
  };
}

describe("StageProgress", () => {
  it("says nothing for a stage under 2 s", () => {
    const { stream, chunks } = sink(true);
    const time = manualClock();
    const progress = new StageProgress(
      "reference log-probs",
      { total: 10, unit: "pairs" },
      { stream, ...time },
    );
    for (let i = 1; i <= 10; i++) {
      time.to(i * 150);
      progress.advance();
    }
    progress.done();
    expect(chunks).toEqual([]);
  });

  it("rewrites one live line on a TTY with rate and ETA, then the totals", () => {
    const { stream, chunks } = sink(true);
    const time = manualClock();
    const progress = new StageProgress(
      "reference log-probs",
      { total: 100, unit: "pairs" },
      { stream, ...time },
    );
    for (let i = 1; i <= 100; i++) {
      time.to(i * 100); // 10 pairs/s
      progress.advance();
    }
    progress.done();
    // Lines from 2 s on, at most one per 250 ms: 2.0, 2.3, …, 9.8 s, then the totals and a newline.
    expect(chunks[0]).toBe("\r\x1b[2Kreference log-probs: 20/100 pairs (20%) · 10.0 pairs/s · ETA 8s");
    expect(chunks.length).toBeLessThan(40);
    expect(chunks.at(-2)).toBe("\r\x1b[2Kreference log-probs: 100 pairs in 10s (10.0 pairs/s)");
    expect(chunks.at(-1)).toBe("\n");
  });

  it("writes a line at 2 s and then every 30 s when not a TTY", () => {
    const { stream, chunks } = sink(false);
    const time = manualClock();
    const progress = new StageProgress("logprobs", { total: 700, unit: "rows" }, { stream, ...time });
    for (let i = 1; i <= 700; i++) {
      time.to(i * 100);
      progress.advance();
    }
    progress.done();
    expect(chunks).toEqual([
      "logprobs: 20/700 rows (2%) · 10.0 rows/s · ETA 1m08s\n",
      "logprobs: 320/700 rows (45%) · 10.0 rows/s · ETA 38s\n",
      "logprobs: 620/700 rows (88%) · 10.0 rows/s · ETA 8s\n",
      "logprobs: 700 rows in 1m10s (10.0 rows/s)\n",
    ]);
  });

  it("marks a bound as such, goes without a total, and is silent with stream null", () => {
    const { stream, chunks } = sink(false);
    const time = manualClock();
    const bound = new StageProgress(
      "generate",
      { total: 400, unit: "tokens", upperBound: true },
      { stream, ...time },
    );
    const open = new StageProgress("export", { total: null, unit: "rows" }, { stream, ...time });
    time.to(4000);
    bound.advance(100);
    open.advance(50);
    expect(chunks).toEqual([
      "generate: 100/400 tokens (25%) · 25.0 tokens/s · ETA ≤ 12s\n",
      "export: 50 rows · 12.5 rows/s\n",
    ]);
    const silent = new StageProgress("x", { total: 1, unit: "rows" }, { stream: null, ...time });
    time.to(9000);
    silent.advance();
    silent.done();
    expect(silent.count).toBe(1);
  });

  it("ends a live line without totals after an error", () => {
    const { stream, chunks } = sink(true);
    const time = manualClock();
    const progress = new StageProgress("x", { total: 10, unit: "rows" }, { stream, ...time });
    time.to(3000);
    progress.advance();
    progress.close();
    progress.done();
    expect(chunks).toEqual(["\r\x1b[2Kx: 1/10 rows (10%) · 0.33 rows/s · ETA 27s", "\n"]);
  });
});

describe("formatDuration", () => {
  it("reads as seconds, minutes or hours", () => {
    expect([
      formatDuration(42.4),
      formatDuration(187),
      formatDuration(7500),
      formatDuration(Number.NaN),
    ]).toEqual(["42s", "3m07s", "2h05m", "?"]);
  });
});

/** A clock that moves 1.5 s at every reading, so every stage looks long. */
function slowClock(): void {
  let ms = 0;
  vi.spyOn(performance, "now").mockImplementation(() => {
    ms += 1500;
    return ms;
  });
}

describe("progress of the long stages (a slow clock makes each one last)", () => {
  let dir: string;
  let setup: TinyTrainingSetup;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-stage-progress-"));
    setup = await writeTinyTrainingSetup(dir, 12);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("apo logprobs shows rows, rate and ETA against the file's line count, then the totals", async () => {
    const model = await loadPretrainedModel(setup.modelDir);
    const { stream, chunks } = sink(false);
    slowClock();
    const rows = await writePreferenceLogProbs(model, setup.dataFile, join(dir, "logps.jsonl"), {
      batchSize: 2,
      progress: { stream },
    });
    expect(rows).toBe(12);
    expect(chunks[0]).toMatch(/^logprobs: 4\/12 rows \(33%\) · [\d.]+ rows\/s · ETA \S+\n$/);
    expect(chunks.at(-1)).toMatch(/^logprobs: 12 rows in \S+ \([\d.]+ rows\/s\)\n$/);
  });

  it("the reference pass of train() shows its progress unless stages is false", async () => {
    const run = async (stages: boolean) => {
      const { stream, chunks } = sink(false);
      slowClock();
      await train({
        model: setup.modelDir,
        data: setup.dataFile,
        out: join(dir, `run-${stages}`),
        cacheDir: join(dir, `cache-${stages}`),
        epochs: 1,
        batchSize: 4,
        microBatchSize: 2,
        evalFraction: 0.25,
        progress: { stream, logEvery: 100, stages },
      });
      vi.restoreAllMocks();
      return chunks.join("");
    };
    const shown = await run(true);
    expect(shown).toMatch(/^reference log-probs \(training pairs\): \d+\/9 pairs \(\d+%\) · .* ETA /m);
    expect(shown).toMatch(/^reference log-probs \(training pairs\): 9 pairs in /m);
    expect(shown).toMatch(/^reference log-probs \(held-out pairs\): 3 pairs in /m);
    expect(await run(false)).not.toMatch(/reference log-probs \(/);
  });

  it("export-trl shows the progress of checking each data file", async () => {
    const { stream, chunks } = sink(false);
    slowClock();
    await exportTrl({ data: setup.dataFile, out: join(dir, "trl"), progress: { stream } });
    expect(chunks.at(-1)).toMatch(/^checking .*pairs\.jsonl: 12 rows in \S+ \([\d.]+ rows\/s\)\n$/);
  });
});
