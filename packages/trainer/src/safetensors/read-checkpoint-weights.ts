import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readSafetensorsFile } from "./read-safetensors.js";
import { SafetensorsError } from "./safetensors-error.js";
import type { WeightMap } from "./tensor.js";

/** File name of a single-file Hugging Face checkpoint. */
export const SINGLE_FILE = "model.safetensors";
/** File name of a sharded checkpoint's index (`{ weight_map: { tensor: shard file } }`). */
export const SHARD_INDEX = "model.safetensors.index.json";

/**
 * Read every weight of a Hugging Face checkpoint folder: `model.safetensors`, or the shards listed in
 * `model.safetensors.index.json`. Each tensor must be in the shard the index names.
 *
 * @throws SafetensorsError when neither file exists, the index is malformed, or a listed tensor is missing
 * @example
 * ```ts
 * const weights = await readCheckpointWeights("models/SmolLM-135M");
 * ```
 */
export async function readCheckpointWeights(dir: string): Promise<WeightMap> {
  const single = join(dir, SINGLE_FILE);
  if (existsSync(single)) return readSafetensorsFile(single);
  const indexPath = join(dir, SHARD_INDEX);
  if (!existsSync(indexPath)) {
    throw new SafetensorsError(`${dir}: no ${SINGLE_FILE} or ${SHARD_INDEX} found`, { file: single });
  }
  let index: unknown;
  try {
    index = JSON.parse(await readFile(indexPath, "utf8"));
  } catch (cause) {
    throw new SafetensorsError(`${indexPath}: not valid JSON`, { file: indexPath }, { cause });
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== "object" || weightMap === null) {
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
    byShard.set(shard, [...(byShard.get(shard) ?? []), tensor]);
  }
  const out: WeightMap = new Map();
  for (const [shard, names] of byShard) {
    const shardPath = join(dir, shard);
    const tensors = await readSafetensorsFile(shardPath);
    for (const name of names) {
      const t = tensors.get(name);
      if (!t) {
        throw new SafetensorsError(`${shardPath}: tensor "${name}" listed in ${SHARD_INDEX} is missing`, {
          file: shardPath,
          tensor: name,
        });
      }
      out.set(name, t);
    }
  }
  return out;
}
