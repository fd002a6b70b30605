import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep, win32 } from "node:path";
import type { FloatType } from "../float-type.js";
import { readSafetensorsFile } from "./read-safetensors.js";
import { SafetensorsError, ShardPathError } from "./safetensors-error.js";
import type { WeightMap } from "./tensor.js";

/** File name of a single-file Hugging Face checkpoint. */
export const SINGLE_FILE = "model.safetensors";
/** File name of a sharded checkpoint's index (`{ weight_map: { tensor: shard file } }`). */
export const SHARD_INDEX = "model.safetensors.index.json";

/**
 * Options of {@link readCheckpointWeights}.
 *
 * @example
 * ```ts
 * const options: ReadCheckpointOptions = { dtype: "float64" };
 * ```
 */
export interface ReadCheckpointOptions {
  /** In-memory type of float weights (default float32); see `ReadSafetensorsOptions.dtype`. */
  readonly dtype?: FloatType;
}

/**
 * Read every weight of a Hugging Face checkpoint folder: `model.safetensors`, or the shards listed in
 * `model.safetensors.index.json`, each through a file handle (no file is read whole). Each tensor must be
 * in the shard the index names, and every shard path must stay inside the folder (lexically: a folder
 * that is itself a symlink, as in the Hugging Face cache, is fine).
 *
 * @throws SafetensorsError when neither file exists, the index is malformed, a listed tensor is missing or
 * a file is malformed; ShardPathError for a shard outside the folder; NonFiniteWeightError
 * @example
 * ```ts
 * const weights = await readCheckpointWeights("models/SmolLM-135M");
 * ```
 */
export async function readCheckpointWeights(
  dir: string,
  options: ReadCheckpointOptions = {},
): Promise<WeightMap> {
  const single = join(dir, SINGLE_FILE);
  if (existsSync(single)) return readSafetensorsFile(single, options);
  const indexPath = join(dir, SHARD_INDEX);
  if (!existsSync(indexPath)) {
    throw new SafetensorsError(`${dir}: no ${SINGLE_FILE} or ${SHARD_INDEX} found`, { file: single });
  }
  const byShard = await readShardIndex(dir);
  const read = new Map<string, WeightMap>();
  for (const [shard, names] of byShard) {
    const shardPath = join(dir, shard);
    const tensors = await readSafetensorsFile(shardPath, { ...options, names: new Set(names) });
    for (const name of names) {
      if (!tensors.has(name)) {
        throw new SafetensorsError(`${shardPath}: tensor "${name}" listed in ${SHARD_INDEX} is missing`, {
          file: shardPath,
          tensor: name,
        });
      }
    }
    read.set(shard, tensors);
  }
  // The index's order, which is the model's.
  const out: WeightMap = new Map();
  for (const [shard, names] of byShard) {
    for (const name of names) out.set(name, read.get(shard)!.get(name)!);
  }
  return out;
}

/**
 * A sharded checkpoint's `weight_map` grouped by shard (shards and tensors in index order), every shard
 * path checked to lie inside `dir`.
 *
 * @throws SafetensorsError on a malformed index; ShardPathError for a shard outside the folder
 * @example
 * ```ts
 * await readShardIndex("models/x"); // Map { "model-00001-of-00002.safetensors" => ["model.embed_tokens.weight", …], … }
 * ```
 */
export async function readShardIndex(dir: string): Promise<Map<string, string[]>> {
  const indexPath = join(dir, SHARD_INDEX);
  let index: unknown;
  try {
    index = JSON.parse(await readFile(indexPath, "utf8"));
  } catch (cause) {
    throw new SafetensorsError(`${indexPath}: not valid JSON`, { file: indexPath }, { cause });
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== "object" || weightMap === null || Array.isArray(weightMap)) {
    throw new SafetensorsError(`${indexPath}: missing "weight_map" object`, { file: indexPath });
  }
  const byShard = new Map<string, string[]>();
  for (const [tensor, shard] of Object.entries(weightMap)) {
    if (typeof shard !== "string") {
      throw new SafetensorsError(`${indexPath}: shard of "${tensor}" is not a file name`, {
        file: indexPath,
        tensor,
      });
    }
    if (!insideFolder(dir, shard)) throw new ShardPathError(indexPath, tensor, shard);
    byShard.set(shard, [...(byShard.get(shard) ?? []), tensor]);
  }
  return byShard;
}

/** Whether `shard`, taken relative to `dir`, names a file strictly inside it. */
function insideFolder(dir: string, shard: string): boolean {
  if (shard === "" || isAbsolute(shard) || win32.isAbsolute(shard)) return false;
  const root = resolve(dir);
  const rel = relative(root, resolve(root, shard));
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
