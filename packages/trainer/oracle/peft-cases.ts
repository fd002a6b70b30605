import type { PromptCompletion } from "../src/logprobs/pack-sequences.js";
import { initLoraWeights } from "../src/lora/init-lora-weights.js";
import type { LoraConfig } from "../src/lora/lora-config.js";
import type { TinyModelOptions } from "../src/models/create-tiny-model.js";
import type { PretrainedModel } from "../src/models/pretrained-model.js";
import { SeededRandom } from "../src/models/seeded-random.js";
import type { WeightMap } from "../src/safetensors/tensor.js";
import { tokenDraw } from "./cases.js";

/**
 * One PEFT oracle case: a tiny base model, OUR adapter for it (seeded, nonzero A and B, saved by
 * `saveLoraAdapter` and given to PEFT as a folder), PEFT's own adapter config (PEFT initialises it with
 * `torch.manual_seed(peft.seed)`, then draws B ~ N(0, 0.1²) so the merge is not trivial, and saves it), and
 * the rows whose completion log-probs both sides compute.
 */
export interface PeftCase {
  readonly name: string;
  readonly tiny: TinyModelOptions;
  /** Our adapter's shape; its values come from {@link peftCaseAdapter}. */
  readonly ours: LoraConfig & { readonly seed: number };
  /** The adapter PEFT creates and saves itself. */
  readonly peft: LoraConfig & { readonly seed: number };
  /** [prompt, completion] lengths; ids drawn from `rowSeed`. */
  readonly lengths: readonly (readonly [number, number])[];
  readonly rowSeed: number;
}

/**
 * The scalar whose adapter gradients PEFT records: L = Σ_b c_b · logp_b (logp_b the summed completion
 * log-prob of row b), with these c_b cycled over the rows.
 */
export const PEFT_COEFFICIENTS = [0.7, -1.3, 0.45] as const;

/** A tiny Llama (grouped-query attention, untied head) and a tiny GPT-2, small enough for a < 1 MB fixture. */
export const PEFT_CASES: readonly PeftCase[] = [
  {
    name: "llama",
    tiny: {
      family: "llama",
      seed: 21,
      hiddenSize: 16,
      numLayers: 2,
      numHeads: 2,
      numKeyValueHeads: 1,
      intermediateSize: 32,
      maxPositions: 64,
    },
    ours: { r: 2, alpha: 5, targets: ["q_proj", "v_proj", "down_proj"], seed: 31 },
    peft: { r: 4, alpha: 8, targets: ["q_proj", "v_proj", "o_proj", "up_proj"], seed: 41 },
    lengths: [
      [4, 7],
      [9, 3],
      [2, 12],
    ],
    rowSeed: 51,
  },
  {
    name: "gpt2",
    tiny: {
      family: "gpt2",
      seed: 22,
      hiddenSize: 16,
      numLayers: 1,
      numHeads: 2,
      intermediateSize: 32,
      maxPositions: 64,
    },
    ours: { r: 3, alpha: 6, targets: ["c_attn", "mlp.c_proj"], rsLora: true, seed: 32 },
    peft: { r: 2, alpha: 4, targets: ["c_attn", "c_proj", "c_fc"], seed: 42 },
    lengths: [
      [5, 6],
      [3, 10],
      [8, 4],
    ],
    rowSeed: 52,
  },
];

/**
 * Our adapter for a case: A and B both N(0, 0.2²) from `SeededRandom(ours.seed)` (a fresh adapter's B = 0
 * would leave the log-probs equal to the base model's and hide a transposed or mis-scaled B), float64.
 *
 * @example
 * ```ts
 * const weights = peftCaseAdapter(PEFT_CASES[0], model);
 * ```
 */
export function peftCaseAdapter(c: PeftCase, model: PretrainedModel): WeightMap {
  const weights = initLoraWeights(model, c.ours, c.ours.seed, "float64");
  const rng = new SeededRandom(c.ours.seed + 1000);
  for (const t of weights.values()) {
    const data = t.data as Float64Array;
    for (let i = 0; i < data.length; i++) data[i] = 0.2 * rng.normal();
  }
  return weights;
}

/** The case's rows, drawn by `tokenDraw` from its `rowSeed`. */
export function peftCaseRows(c: PeftCase, vocabSize: number): PromptCompletion[] {
  const draw = tokenDraw(c.rowSeed, vocabSize);
  return c.lengths.map(([p, n]) => ({ promptIds: draw(p), completionIds: draw(n) }));
}

/** c_b for each of `n` rows. */
export function peftCoefficients(n: number): number[] {
  return Array.from({ length: n }, (_, b) => PEFT_COEFFICIENTS[b % PEFT_COEFFICIENTS.length]!);
}

/** What `peft_oracle.py` records per case (see `oracle/README.md`, "The PEFT oracle"). */
export interface PeftOracleCase {
  /** (a) PEFT with OUR adapter folder loaded: per-row completion log-probs and completion token counts. */
  readonly ours: {
    readonly logp: number[];
    readonly tokens: number[];
    /** (b) d(Σ_b c_b logp_b)/d(tensor) for each of our adapter's tensors, by PEFT's saved name, row-major. */
    readonly grads: Record<string, { shape: number[]; values: number[] }>;
  };
  /** (c) PEFT's own adapter as save_pretrained wrote it, and what merge_and_unload made of it. */
  readonly peft: {
    readonly adapterConfig: Record<string, unknown>;
    /** adapter_model.safetensors, base64. */
    readonly adapterWeights: string;
    /** max|A|·√in over each A right after PEFT's init (kaiming_uniform a=√5: at most 1). */
    readonly initBound: Record<string, number>;
    /** Merged weights of every wrapped layer, by checkpoint name, row-major. */
    readonly merged: Record<string, { shape: number[]; values: number[] }>;
    /** The merged model's per-row completion log-probs. */
    readonly mergedLogp: number[];
  };
}

/** The recorded PEFT oracle: versions, then one entry per case. */
export interface PeftOracleFixture {
  readonly reference: Record<string, string>;
  readonly cases: Record<string, PeftOracleCase>;
}
