import { readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SHARD_INDEX, SINGLE_FILE } from "./read-checkpoint-weights.js";
import { SafetensorsError } from "./safetensors-error.js";
import type { WeightMap } from "./tensor.js";
import { storedByteLength, type WriteSafetensorsOptions, writeSafetensorsFile } from "./write-safetensors.js";

/** transformers' `save_pretrained` default shard size ("5GB", decimal). */
export const DEFAULT_MAX_SHARD_SIZE = 5_000_000_000;

/**
 * Options of {@link writeCheckpointWeights}.
 *
 * @example
 * ```ts
 * const options: WriteCheckpointOptions = { floatDtype: "BF16", maxShardSize: 2_000_000_000 };
 * ```
 */
export interface WriteCheckpointOptions extends WriteSafetensorsOptions {
  /**
   * Largest shard in bytes (default 5 GB, as transformers). Weights that fit are written as one
   * `model.safetensors`; more are split, in order, into `model-0000i-of-0000n.safetensors` plus
   * `model.safetensors.index.json`. A tensor larger than the limit gets a shard of its own.
   */
  readonly maxShardSize?: number;
}

/** Shard file names as transformers writes them. */
const SHARD_NAME = /^model-\d{5}-of-\d{5}\.safetensors$/;

/**
 * Write a checkpoint folder's weights: one `model.safetensors`, or shards plus their index (see
 * {@link WriteCheckpointOptions.maxShardSize}); then remove weight files of the other layout left by an
 * earlier save, so readers (which prefer `model.safetensors`) never see stale weights.
 *
 * @returns the weight files written, relative to `dir`
 * @throws SafetensorsError when `maxShardSize` is not a positive number
 * @example
 * ```ts
 * await writeCheckpointWeights("out/checkpoint-1", weights, { maxShardSize: 1e9 }); // ["model-00001-of-00003.safetensors", …]
 * ```
 */
export async function writeCheckpointWeights(
  dir: string,
  weights: WeightMap,
  options: WriteCheckpointOptions = {},
): Promise<string[]> {
  const { maxShardSize = DEFAULT_MAX_SHARD_SIZE, ...fileOptions } = options;
  if (!(maxShardSize > 0)) {
    throw new SafetensorsError(`maxShardSize must be a positive number of bytes, got ${maxShardSize}`, {
      file: dir,
    });
  }
  const shards: WeightMap[] = [];
  let current: WeightMap = new Map();
  let currentBytes = 0;
  let totalSize = 0;
  for (const [name, t] of weights) {
    const bytes = storedByteLength(t, options.floatDtype);
    if (current.size > 0 && currentBytes + bytes > maxShardSize) {
      shards.push(current);
      current = new Map();
      currentBytes = 0;
    }
    current.set(name, t);
    currentBytes += bytes;
    totalSize += bytes;
  }
  shards.push(current);

  let written: string[];
  if (shards.length === 1) {
    await writeSafetensorsFile(join(dir, SINGLE_FILE), weights, fileOptions);
    written = [SINGLE_FILE];
  } else {
    const pad = (i: number) => String(i).padStart(5, "0");
    written = shards.map((_, i) => `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`);
    const weightMap: Record<string, string> = {};
    for (const [i, shard] of shards.entries()) {
      await writeSafetensorsFile(join(dir, written[i]!), shard, fileOptions);
      for (const name of shard.keys()) weightMap[name] = written[i]!;
    }
    const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
    await writeFile(join(dir, SHARD_INDEX), `${JSON.stringify(index, null, 2)}\n`);
  }
  const keep = new Set([...written, ...(shards.length === 1 ? [] : [SHARD_INDEX])]);
  for (const name of await readdir(dir)) {
    const weightFile = name === SINGLE_FILE || name === SHARD_INDEX || SHARD_NAME.test(name);
    if (weightFile && !keep.has(name)) await rm(join(dir, name), { force: true });
  }
  return written;
}
