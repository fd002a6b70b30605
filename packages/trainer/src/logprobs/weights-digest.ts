import { createHash } from "node:crypto";
import type { WeightMap } from "../safetensors/tensor.js";

/**
 * SHA-256 of a model's weights: every tensor's name, shape and bytes in name order, so the same values
 * give the same digest whichever file layout they were read from.
 *
 * @example
 * ```ts
 * weightsDigest(model.weights); // "3f1c…"
 * ```
 */
export function weightsDigest(weights: WeightMap): string {
  const hash = createHash("sha256");
  for (const name of [...weights.keys()].sort()) {
    const t = weights.get(name);
    if (t === undefined) continue;
    hash.update(`${name}\0${t.shape.join(",")}\0${t.data.constructor.name}\0`);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest("hex");
}
