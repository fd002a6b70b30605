import { join } from "node:path";
import type { PromptCompletion } from "../src/logprobs/pack-sequences.js";
import { createTinyModel, type TinyModelOptions } from "../src/models/create-tiny-model.js";
import { loadPretrainedModel, type PretrainedModel } from "../src/models/pretrained-model.js";
import { SeededRandom } from "../src/models/seeded-random.js";

/** Where the checked-in stories260K checkpoint lives, relative to this package (CI has `../shared`). */
export const STORIES260K = join(import.meta.dirname, "../../../../shared/models/stories260k");

/**
 * One oracle case: a model (a seeded tiny model, or a checkpoint folder) and the (prompt, completion)
 * token ids whose completion log-probs and weight gradients both implementations compute.
 */
export interface OracleCase {
  readonly name: string;
  readonly model: { readonly tiny: TinyModelOptions } | { readonly dir: string };
  /** Sequence lengths as [prompt, completion] pairs; the ids are drawn from `seed`. */
  readonly lengths: readonly (readonly [number, number])[];
  readonly seed: number;
}

/**
 * The scalar both sides differentiate: L = Σ_b c_b · logp_b, with these c_b (cycled over the rows).
 * Distinct signs and sizes, so a gradient that mixes rows up cannot pass.
 */
export const COEFFICIENTS = [0.7, -1.3, 0.45, -0.2] as const;

/** Every architecture variant our builders accept, plus the real stories260K weights. */
export const ORACLE_CASES: readonly OracleCase[] = [
  {
    name: "llama-gqa",
    model: { tiny: { family: "llama", seed: 11, numHeads: 4, numKeyValueHeads: 2 } },
    lengths: [
      [5, 9],
      [12, 20],
      [3, 2],
    ],
    seed: 1,
  },
  {
    name: "llama3-rope-tied-mqa",
    model: {
      tiny: {
        family: "llama",
        seed: 12,
        tieWordEmbeddings: true,
        numKeyValueHeads: 1,
        configOverrides: {
          rope_theta: 500000,
          rope_scaling: {
            rope_type: "llama3",
            factor: 8,
            low_freq_factor: 1,
            high_freq_factor: 4,
            original_max_position_embeddings: 16,
          },
        },
      },
    },
    lengths: [
      [40, 60],
      [7, 11],
    ],
    seed: 2,
  },
  {
    name: "llama-linear-rope-bias",
    model: {
      tiny: {
        family: "llama",
        seed: 13,
        configOverrides: {
          attention_bias: true,
          mlp_bias: true,
          rope_scaling: { rope_type: "linear", factor: 2 },
        },
      },
    },
    lengths: [
      [9, 30],
      [2, 5],
    ],
    seed: 3,
  },
  {
    name: "qwen2",
    model: { tiny: { family: "llama", seed: 14, configOverrides: { model_type: "qwen2" } } },
    lengths: [
      [6, 14],
      [20, 8],
    ],
    seed: 4,
  },
  {
    name: "mistral",
    model: {
      tiny: { family: "llama", seed: 15, configOverrides: { model_type: "mistral", sliding_window: 64 } },
    },
    lengths: [
      [10, 40],
      [4, 4],
    ],
    seed: 5,
  },
  {
    name: "gpt2",
    model: { tiny: { family: "gpt2", seed: 16 } },
    lengths: [
      [8, 24],
      [15, 3],
      [1, 6],
    ],
    seed: 6,
  },
  {
    name: "stories260k",
    model: { dir: STORIES260K },
    lengths: [
      [30, 120],
      [64, 40],
    ],
    seed: 7,
  },
];

/** The case's model: created from its seed, or loaded from its folder. */
export async function oracleModel(c: OracleCase): Promise<PretrainedModel> {
  return "tiny" in c.model ? createTinyModel(c.model.tiny) : loadPretrainedModel(c.model.dir);
}

/**
 * A draw of `n` token ids uniform in [3, vocab) (past pad, BOS and EOS) from a seeded stream, the same on
 * every machine.
 *
 * @example
 * ```ts
 * const draw = tokenDraw(7, 259);
 * draw(5); // five ids
 * ```
 */
export function tokenDraw(seed: number, vocabSize: number): (n: number) => number[] {
  const rng = new SeededRandom(seed);
  return (n) => Array.from({ length: n }, () => 3 + Math.floor(rng.uniform() * (vocabSize - 3)));
}

/** The case's sequences, drawn by {@link tokenDraw} from its seed. */
export function oracleRows(c: OracleCase, vocabSize: number): PromptCompletion[] {
  const draw = tokenDraw(c.seed, vocabSize);
  return c.lengths.map(([p, n]) => ({ promptIds: draw(p), completionIds: draw(n) }));
}

/** c_b for each of `n` rows. */
export function oracleCoefficients(n: number): number[] {
  return Array.from({ length: n }, (_, b) => COEFFICIENTS[b % COEFFICIENTS.length]!);
}
