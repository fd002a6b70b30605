import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ModelFamilyName } from "../config/model-config.js";
import { parseModelConfig } from "../config/parse-model-config.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { shapeSize } from "../safetensors/tensor.js";
import { writeSafetensorsFile } from "../safetensors/write-safetensors.js";
import { createByteLevelTokenizer } from "../tokenizer/byte-level-tokenizer.js";
import { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { TrainConfigError } from "../train-step/train-config-error.js";
import { familyOf } from "./family-of.js";
import type { TinyDims } from "./model-family.js";
import type { PretrainedModel } from "./pretrained-model.js";
import { SeededRandom } from "./seeded-random.js";

/**
 * Options of {@link createTinyModel}. Every dimension has a small default; the vocabulary is the local
 * byte-level tokenizer's (259 tokens) unless `vocabSize` pads it.
 */
export interface TinyModelOptions
  extends Partial<Omit<TinyDims, "vocabSize" | "bosTokenId" | "eosTokenId" | "padTokenId">> {
  readonly family: ModelFamilyName;
  /**
   * Rows of the embedding and the LM head (default: the tokenizer's 259). The byte-level tokenizer is fixed,
   * so a larger size pads the vocabulary as Qwen2 and Phi pad theirs: ids past the tokenizer's exist in the
   * model but no text encodes to them. Smaller than the tokenizer is an error.
   */
  readonly vocabSize?: number;
  /** Seed of the random weights (default 0). */
  readonly seed?: number;
  /** Standard deviation of the normal weights (default 0.2: large enough for non-trivial log-probs). */
  readonly std?: number;
  /**
   * Also randomise norm scales (1 + std·N) and biases (std·N) instead of ones and zeros (default true),
   * so tests notice a mis-wired norm or bias.
   */
  readonly perturbAll?: boolean;
  /** Extra `config.json` fields, e.g. `{ model_type: "qwen2" }` or a `rope_scaling` (Llama family). */
  readonly configOverrides?: Record<string, unknown>;
  /** Folder to write the checkpoint to; omitted, the model stays in memory. */
  readonly out?: string;
}

/** Default dimensions of tiny models. */
export const TINY_DEFAULTS = {
  hiddenSize: 32,
  numLayers: 2,
  numHeads: 4,
  intermediateSize: 64,
  maxPositions: 128,
} as const satisfies Partial<TinyDims>;

/**
 * Create a seeded random-weight model of a family in Hugging Face layout, with a locally made byte-level
 * tokenizer and a simple chat template, and (with `out`) write it as a checkpoint folder: `config.json`,
 * `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`. Same seed and options give the same
 * bytes on every machine.
 *
 * @example
 * ```ts
 * const model = await createTinyModel({ family: "llama", seed: 1, out: "models/tiny-llama" });
 * model.config.vocabSize; // 259
 * ```
 */
export async function createTinyModel(options: TinyModelOptions): Promise<PretrainedModel> {
  const { tokenizerJson, tokenizerConfig } = createByteLevelTokenizer({
    maxLength: options.maxPositions ?? TINY_DEFAULTS.maxPositions,
  });
  const vocab = Object.keys((tokenizerJson.model as { vocab: object }).vocab).length;
  const vocabSize = options.vocabSize ?? vocab;
  if (!Number.isInteger(vocabSize) || vocabSize < vocab) {
    throw new TrainConfigError(
      "vocabSize",
      vocabSize,
      `an integer ≥ ${vocab}, the byte-level tokenizer's size (the tokenizer is fixed; a larger size pads the embedding)`,
    );
  }
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const dims: TinyDims = {
    ...TINY_DEFAULTS,
    ...given,
    vocabSize,
    padTokenId: 0,
    bosTokenId: 1,
    eosTokenId: 2,
  };
  const family = familyOf({ family: options.family } as Parameters<typeof familyOf>[0]);
  const rawConfig = { ...family.tinyConfig(dims), ...options.configOverrides };
  const config = parseModelConfig(rawConfig);
  const rng = new SeededRandom(options.seed ?? 0);
  const std = options.std ?? 0.2;
  const weights: WeightMap = new Map();
  for (const spec of familyOf(config).weightSpecs(config, new Set())) {
    const n = shapeSize(spec.shape);
    const base = spec.init === "ones" ? 1 : 0;
    const data =
      spec.init === "normal" || (options.perturbAll ?? true)
        ? rng.normals(n, std, base)
        : new Float32Array(n).fill(base);
    weights.set(spec.name, { shape: spec.shape, data });
  }
  if (options.out !== undefined) {
    await mkdir(options.out, { recursive: true });
    await writeFile(join(options.out, "config.json"), `${JSON.stringify(rawConfig, null, 2)}\n`);
    await writeSafetensorsFile(join(options.out, "model.safetensors"), weights);
    await writeFile(join(options.out, "tokenizer.json"), JSON.stringify(tokenizerJson));
    await writeFile(
      join(options.out, "tokenizer_config.json"),
      `${JSON.stringify(tokenizerConfig, null, 2)}\n`,
    );
  }
  const tokenizer = new ModelTokenizer(tokenizerJson, tokenizerConfig, null, options.out ?? "<tiny>");
  return { config, rawConfig, weights, tokenizer, source: options.out ?? null };
}
