// The model shapes and the random token batch the peer and memory benches share (issues 18 and 23).
import type { PackedBatch } from "../src/logprobs/pack-sequences.js";
import { packSequences } from "../src/logprobs/pack-sequences.js";
import type { TinyModelOptions } from "../src/models/create-tiny-model.js";

/** A model's dimensions as `createTinyModel` takes them (the family, seed and context are the bench's). */
export type ModelShape = Omit<TinyModelOptions, "family" | "seed" | "std" | "out" | "maxPositions">;

/** Llama 9.9M as `pnpm bench` has it: 384 wide, 6 layers, 6 heads, the byte-level vocabulary (259). */
export const LLAMA_9_9M = {
  hiddenSize: 384,
  numLayers: 6,
  numHeads: 6,
  intermediateSize: 1024,
} as const satisfies ModelShape;

/** The SmolLM-135M shape: 576 wide, 30 layers, 9 heads (3 KV heads), vocabulary 49152, tied embeddings. */
export const SMOLLM_135M = {
  hiddenSize: 576,
  numLayers: 30,
  numHeads: 9,
  numKeyValueHeads: 3,
  intermediateSize: 1536,
  tieWordEmbeddings: true,
  configOverrides: { vocab_size: 49152 },
} as const satisfies ModelShape;

/**
 * `pairs` preference pairs of random token ids (a seeded LCG over ids 3…vocab−1), each a prompt of seq/4
 * tokens and two completions of 3·seq/4, packed as a training step takes them: the chosen rows, then the
 * rejected ones, right-padded to `seq`.
 *
 * ```text
 * s ← (1103515245·s + 12345) mod 2³²,   id = 3 + s mod (vocab − 3)
 * ```
 */
export function randomPairBatch(vocab: number, pairs: number, seq: number): PackedBatch {
  let state = 12345;
  const id = (): number => {
    state = (state * 1103515245 + 12345) >>> 0;
    return 3 + (state % (vocab - 3));
  };
  const ids = (n: number): number[] => Array.from({ length: n }, id);
  const made = Array.from({ length: pairs }, () => ({
    p: ids(seq / 4),
    c: ids((3 * seq) / 4),
    r: ids((3 * seq) / 4),
  }));
  return packSequences(
    [
      ...made.map((m) => ({ promptIds: m.p, completionIds: m.c })),
      ...made.map((m) => ({ promptIds: m.p, completionIds: m.r })),
    ],
    { padId: 0, maxLength: seq, vocabSize: vocab },
  );
}

/**
 * A stream of token ids drawn uniformly from [3, vocab) by mulberry32 from `seed` (the peer benches' prompts
 * and pairs: the same seed gives the same ids on both sides of a bench).
 *
 * @example
 * ```ts
 * const next = mulberry32Ids(0x9e3779b9, 259);
 * const prompt = Array.from({ length: 32 }, next);
 * ```
 */
export function mulberry32Ids(seed: number, vocab: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return 3 + ((((t ^ (t >>> 14)) >>> 0) % (vocab - 3)) >>> 0);
  };
}
