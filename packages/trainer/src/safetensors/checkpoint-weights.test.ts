import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckpointWeights, SHARD_INDEX, SINGLE_FILE } from "./read-checkpoint-weights.js";
import { SafetensorsError, ShardPathError } from "./safetensors-error.js";
import type { WeightMap } from "./tensor.js";
import { writeCheckpointWeights } from "./write-checkpoint-weights.js";
import { writeSafetensorsFile } from "./write-safetensors.js";

const weights: WeightMap = new Map([
  ["a", { shape: [4], data: Float32Array.from([1, 2, 3, 4]) }],
  ["b", { shape: [2, 2], data: Float32Array.from([5, 6, 7, 8]), sourceDtype: "BF16" }],
  ["c", { shape: [3], data: Float32Array.from([9, 10, 11]) }],
  ["d", { shape: [1], data: Float32Array.from([12]) }],
]);

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), "apo-ckpt-"));
}

describe("writing checkpoint weights", () => {
  it("writes one model.safetensors when the weights fit a shard", async () => {
    const dir = await tmp();
    expect(await writeCheckpointWeights(dir, weights)).toEqual([SINGLE_FILE]);
    expect(await readdir(dir)).toEqual([SINGLE_FILE]);
    const back = await readCheckpointWeights(dir);
    expect(back.get("b")).toMatchObject({ sourceDtype: "BF16", data: Float32Array.from([5, 6, 7, 8]) });
  });
  it("splits in order into transformers-named shards with an index above maxShardSize", async () => {
    const dir = await tmp();
    // a: 16 bytes, b: 8 (BF16), c: 12, d: 4 → [a], [b, c], [d] under a 20-byte limit
    const files = await writeCheckpointWeights(dir, weights, { maxShardSize: 20 });
    expect(files).toEqual([
      "model-00001-of-00003.safetensors",
      "model-00002-of-00003.safetensors",
      "model-00003-of-00003.safetensors",
    ]);
    const index = JSON.parse(await readFile(join(dir, SHARD_INDEX), "utf8"));
    expect(index).toEqual({
      metadata: { total_size: 40 },
      weight_map: { a: files[0], b: files[1], c: files[1], d: files[2] },
    });
    const back = await readCheckpointWeights(dir);
    expect([...back.keys()]).toEqual(["a", "b", "c", "d"]);
    for (const [name, t] of weights) expect(back.get(name)!.data).toEqual(t.data);
  });
  it("gives a tensor larger than the limit a shard of its own", async () => {
    const dir = await tmp();
    expect(await writeCheckpointWeights(dir, weights, { maxShardSize: 1 })).toHaveLength(4);
  });
  it("removes the other layout's weight files, so no stale model.safetensors shadows new shards", async () => {
    const dir = await tmp();
    await writeFile(join(dir, "tokenizer.json"), "{}");
    await writeCheckpointWeights(dir, weights);
    await writeCheckpointWeights(dir, weights, { maxShardSize: 20 });
    expect((await readdir(dir)).sort()).toEqual([
      "model-00001-of-00003.safetensors",
      "model-00002-of-00003.safetensors",
      "model-00003-of-00003.safetensors",
      SHARD_INDEX,
      "tokenizer.json",
    ]);
    await writeCheckpointWeights(dir, weights, { maxShardSize: 30 });
    expect((await readdir(dir)).filter((n) => n.startsWith("model-"))).toHaveLength(2);
    await writeCheckpointWeights(dir, weights);
    expect((await readdir(dir)).sort()).toEqual([SINGLE_FILE, "tokenizer.json"]);
  });
  it("rejects a non-positive maxShardSize", async () => {
    await expect(writeCheckpointWeights(await tmp(), weights, { maxShardSize: 0 })).rejects.toThrow(
      /maxShardSize must be a positive number of bytes/,
    );
  });
});

describe("sharded checkpoint paths and contents", () => {
  async function withIndex(weightMap: Record<string, string>): Promise<string> {
    const dir = await tmp();
    await writeFile(join(dir, SHARD_INDEX), JSON.stringify({ weight_map: weightMap }));
    return dir;
  }
  it.each([
    ["a parent path", "../../x.safetensors"],
    ["a path that climbs back in", "../model-dir/x.safetensors"],
    ["an absolute path", "/etc/passwd"],
    ["a Windows absolute path", "C:\\x.safetensors"],
    ["the folder itself", "."],
    ["an empty name", ""],
  ])("rejects %s, naming the index, tensor and shard, without opening it", async (_, shard) => {
    const dir = await withIndex({ "model.norm.weight": shard });
    const error = await readCheckpointWeights(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardPathError);
    expect(error).toMatchObject({
      code: "SHARD_PATH_OUTSIDE_MODEL",
      file: join(dir, SHARD_INDEX),
      tensor: "model.norm.weight",
      shard,
    });
  });
  it("accepts a shard in a subfolder of the model folder", async () => {
    const dir = await withIndex({ a: "sub/../sub/one.safetensors" });
    await mkdir(join(dir, "sub"));
    await writeSafetensorsFile(join(dir, "sub", "one.safetensors"), new Map([["a", weights.get("a")!]]));
    expect((await readCheckpointWeights(resolve(dir))).get("a")!.data).toEqual(weights.get("a")!.data);
  });
  it("names a tensor the index lists but its shard lacks", async () => {
    const dir = await withIndex({ a: "one.safetensors", z: "one.safetensors" });
    await writeSafetensorsFile(join(dir, "one.safetensors"), new Map([["a", weights.get("a")!]]));
    const error = await readCheckpointWeights(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetensorsError);
    expect(error).toMatchObject({ tensor: "z", file: join(dir, "one.safetensors") });
  });
  it("reads only the tensors the index places in each shard", async () => {
    const dir = await withIndex({ a: "one.safetensors" });
    await writeSafetensorsFile(join(dir, "one.safetensors"), weights);
    expect([...(await readCheckpointWeights(dir)).keys()]).toEqual(["a"]);
  });
  it("reads float64 when asked", async () => {
    const dir = await tmp();
    await writeCheckpointWeights(dir, weights, { maxShardSize: 20 });
    const back = await readCheckpointWeights(dir, { dtype: "float64" });
    expect(back.get("c")!.data).toEqual(Float64Array.from([9, 10, 11]));
    expect(existsSync(join(dir, SINGLE_FILE))).toBe(false);
  });
});
