import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveTrainConfig } from "./resolve-train-config.js";
import { absoluteRunPaths } from "./run-paths.js";

describe("run paths", () => {
  it("makes the options' paths absolute against the current directory", () => {
    const { options } = absoluteRunPaths({
      model: "m",
      data: "d.jsonl",
      eval: "e.jsonl",
      out: "runs/a",
      cacheDir: "cache",
      resumeFrom: "runs/a",
      lr: 1,
    });
    expect(options).toEqual({
      model: resolve("m"),
      data: resolve("d.jsonl"),
      eval: resolve("e.jsonl"),
      out: resolve("runs/a"),
      cacheDir: resolve("cache"),
      resumeFrom: resolve("runs/a"),
      lr: 1,
    });
  });

  it("resolves an older checkpoint's relative paths against the folder its run started in", () => {
    const config = resolveTrainConfig({ model: "m", data: "d.jsonl", out: "runs/a" });
    const started = "/somewhere/project";
    const { saved, note } = absoluteRunPaths({}, { dir: join(started, "runs/a/checkpoint-3"), config });
    expect(note).toBeNull();
    expect(saved).toMatchObject({
      model: join(started, "m"),
      data: join(started, "d.jsonl"),
      out: join(started, "runs/a"),
      cacheDir: join(started, "runs/a/reference-cache"),
      eval: null,
    });
    // A checkpoint that lies elsewhere than its run's out: the current directory, said so.
    const moved = absoluteRunPaths({}, { dir: "/elsewhere/ckpt", config });
    expect(moved.saved?.data).toBe(resolve("d.jsonl"));
    expect(moved.note).toMatch(
      /records relative paths \(model, data, out, cacheDir; .*resolved against the current directory/,
    );
    // Absolute paths (this version's checkpoints) are kept as they are.
    const absolute = resolveTrainConfig({ model: "/m", data: "/d.jsonl", out: "/runs/a" });
    expect(absoluteRunPaths({}, { dir: "/x/checkpoint-1", config: absolute })).toEqual({
      options: {},
      saved: absolute,
      note: null,
    });
  });
});
