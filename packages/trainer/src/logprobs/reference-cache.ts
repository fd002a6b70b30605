import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TrainPair } from "../data/read-pairs.js";
import type { Truncation } from "../data/truncate-pair.js";
import { IoError, withPath } from "../io-error.js";
import type { PairLogProbs } from "./pair-log-probs.js";
import type { TrainingForward } from "./training-batch-log-probs.js";

/** What a cached reference depends on. */
export interface ReferenceKeyParts {
  /** {@link weightsDigest} of the reference model. */
  readonly weights: string;
  /** The tokenised, truncated pairs (they reflect the data, chat template and tokenizer). */
  readonly pairs: readonly TrainPair[];
  readonly truncation: Truncation;
  /** Precision of the log-prob graph. */
  readonly dtype: string;
  /**
   * The training forward the values were computed in (batches, packing, graph form), when they were:
   * in float32 they differ from the log-prob graph's at the rounding level.
   */
  readonly forward?: TrainingForward;
}

/**
 * The cache key of reference log-probs: SHA-256 over the model's weight digest, the token ids of every
 * pair (and its `anchor` when the pairs were read with anchors, for `apo_anchored`), the truncation
 * settings, the precision and, for values computed in the training forward, its batches, packing and
 * expected length. Pairs without anchors or forward hash as before, so existing caches stay valid.
 *
 * @example
 * ```ts
 * referenceKey({ weights: weightsDigest(model.weights), pairs, truncation: PAPER_TRUNCATION, dtype: "float32" });
 * ```
 */
export function referenceKey(parts: ReferenceKeyParts): string {
  const hash = createHash("sha256");
  hash.update(`apo-reference-v1\0${parts.weights}\0${parts.dtype}\0`);
  const t = parts.truncation;
  hash.update(`${t.maxLength},${t.truncationMode},${t.maxPromptLength},${t.maxCompletionLength}\0`);
  for (const p of parts.pairs) {
    // An anchor does not change a log-prob, but the cache records the very rows it was computed for.
    const anchor = p.anchor === undefined ? "" : `|anchor=${p.anchor}`;
    hash.update(
      `${p.chosen.promptIds.join(",")}|${p.chosen.completionIds.join(",")}|` +
        `${p.rejected.promptIds.join(",")}|${p.rejected.completionIds.join(",")}${anchor}\n`,
    );
  }
  const f = parts.forward;
  if (f !== undefined) {
    hash.update(`training-forward-v1\0${f.rows}\0${f.expectedSequenceLength}\0`);
    // The LoRA graph's forward (base weights as initializers, the wrapped layers' terms) rounds differently
    // from full training's, and its form depends on the layers wrapped.
    if (f.lora !== undefined) hash.update(`lora-form\0${JSON.stringify(f.lora.config)}\0`);
    hash.update(f.batches.map((b) => b.join(",")).join(";"));
  }
  return hash.digest("hex");
}

interface CacheFile {
  key: string;
  chosen: number[];
  rejected: number[];
  chosenTokens: number[];
  rejectedTokens: number[];
}

async function readCacheFile(file: string): Promise<CacheFile | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new IoError(file, "read", error);
  }
  try {
    return JSON.parse(text) as CacheFile;
  } catch {
    return null; // a partial file (a run killed while writing): recompute and overwrite it
  }
}

/**
 * Reference log-probs from `<dir>/reference-<key>.json` when a previous run computed them for the same
 * key, else computed with `compute` and written there (JSON numbers round-trip doubles exactly).
 *
 * @example
 * ```ts
 * const { value, hit } = await cachedReferenceLogProbs(".cache", key, () => pairLogProbs(session, model, pairs, 8));
 * ```
 */
export async function cachedReferenceLogProbs(
  dir: string,
  key: string,
  compute: () => Promise<PairLogProbs>,
): Promise<{ value: PairLogProbs; hit: boolean; file: string }> {
  const file = join(dir, `reference-${key.slice(0, 32)}.json`);
  const cached = await readCacheFile(file);
  if (cached !== null && cached.key === key) {
    return {
      hit: true,
      file,
      value: {
        chosen: Float64Array.from(cached.chosen),
        rejected: Float64Array.from(cached.rejected),
        chosenTokens: Float64Array.from(cached.chosenTokens),
        rejectedTokens: Float64Array.from(cached.rejectedTokens),
      },
    };
  }
  const value = await compute();
  const body: CacheFile = {
    key,
    chosen: [...value.chosen],
    rejected: [...value.rejected],
    chosenTokens: [...value.chosenTokens],
    rejectedTokens: [...value.rejectedTokens],
  };
  await withPath(dir, "create the folder", () => mkdir(dir, { recursive: true }));
  await withPath(`${file}.tmp`, "write", () => writeFile(`${file}.tmp`, JSON.stringify(body)));
  await withPath(file, "rename into", () => rename(`${file}.tmp`, file));
  return { value, hit: false, file };
}
