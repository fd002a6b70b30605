/**
 * Training runs that `trl_oracle.py` repeats with TRL 1.13's DPOTrainer and KTOTrainer (CPU, float64 and
 * float32) and `test/trl-oracle.test.ts` repeats with {@link train}: the same tiny checkpoints, the same
 * JSONL rows, the same options. `write-trl-cases.ts` writes them for Python; the test writes them again
 * (same bytes) into a temporary folder.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTinyModel } from "../src/models/create-tiny-model.js";
import { loadPretrainedModel, savePretrainedModel } from "../src/models/pretrained-model.js";
import { BYTE_LEVEL_SPECIAL_TOKENS } from "../src/tokenizer/byte-level-tokenizer.js";
import type { TrainOptions } from "../src/train/train-options.js";

/** A tiny checkpoint folder of the oracle. */
export interface TrlOracleModel {
  readonly family: "llama" | "gpt2";
  readonly seed: number;
  /**
   * Give the tokenizer a post-processor that puts BOS before every `tokenizer(text)` (as Llama's does), so
   * string rows test TRL's `add_special_tokens=True`; without it (GPT-2) no special token is added.
   */
  readonly bos: boolean;
}

/** The models, by folder name. */
export const TRL_ORACLE_MODELS = {
  llama: { family: "llama", seed: 1301, bos: true },
  gpt2: { family: "gpt2", seed: 1302, bos: false },
} as const satisfies Record<string, TrlOracleModel>;

const user = (content: string) => ({ role: "user", content });
const assistant = (content: string) => ({ role: "assistant", content });
const system = (content: string) => ({ role: "system", content });
const EOS = BYTE_LEVEL_SPECIAL_TOKENS.eos;

const FRUIT = [
  "apple",
  "pear",
  "plum",
  "fig",
  "kiwi",
  "lime",
  "date",
  "peach",
  "grape",
  "mango",
  "lemon",
  "melon",
];

/**
 * The data files, by name (`<name>.jsonl`). With the byte-level tokenizer a character is a token, so
 * lengths are easy to read: the cases' `maxLength` cuts some sequences and drops one over-long prompt.
 */
export const TRL_ORACLE_DATA = {
  /** Plain strings: never templated; EOS text appended unless present; one prompt ≥ 40 tokens (dropped). */
  standard: [
    ...FRUIT.map((f, i) => ({
      id: `s${i}`,
      prompt: `Colour of ${f}?`,
      chosen:
        i % 4 === 0
          ? ` It is ${f.length % 2 ? "green" : "red"}.${EOS}`
          : ` ${f} is ${i % 3 ? "ripe" : "sweet"}`,
      rejected:
        i % 5 === 1
          ? ` I really cannot say anything at all about the ${f}, sorry.`
          : ` no ${"idea".slice(0, 1 + (i % 4))}`,
    })),
    {
      id: "s-long",
      prompt: "This prompt is far too long for max_length 40: TRL drops the row.",
      chosen: " yes",
      rejected: " no",
    },
  ],
  /** Message lists: prompt with the generation prompt, completions split from the full rendering by tokens. */
  conversational: FRUIT.map((f, i) => ({
    prompt: [...(i % 3 === 0 ? [system("Be brief.")] : []), user(`Name a ${f}.`)],
    chosen: [assistant(i % 2 ? `A ${f}.` : `One ${f}, ripe.`)],
    rejected: [assistant(i % 4 === 3 ? `Sorry, I do not know what a ${f} is or where it grows.` : "No.")],
  })),
  /** No prompt: TRL's extract_prompt splits the shared start off (a space before the split goes with the completion). */
  implicit: [
    ...FRUIT.slice(0, 10).map((f, i) => ({
      chosen: `The ${f} is ${i % 2 ? "sweet" : "fresh"} today.`,
      rejected: `The ${f} is ${i % 3 ? "sour" : "bad"}.`,
    })),
    // One completion is a prefix of the other: the loop ends without a mismatch (prompt = first min−1 chars).
    { chosen: "Count: 1 2 3", rejected: "Count: 1 2 3 4" },
    // A mismatch right after a space: the space moves to the completions.
    { chosen: "Say yes", rejected: "Say no" },
  ],
  /** TRL's unpaired (KTO) format, labels unbalanced and interleaved. */
  unpaired: FRUIT.map((f, i) => ({
    prompt: `Is the ${f} good?`,
    completion: i % 3 === 2 ? ` No, the ${f} is bad.` : ` Yes, ${f}!`,
    label: i % 3 !== 2,
  })),
} as const;

/** A data file's name. */
export type TrlOracleData = keyof typeof TRL_ORACLE_DATA;

/** One training run, in the terms of both sides. */
export interface TrlOracleCase {
  readonly name: string;
  readonly model: keyof typeof TRL_ORACLE_MODELS;
  readonly data: TrlOracleData;
  /** TRL `loss_type` (a list: several losses with `lossWeights`). */
  readonly loss: string | readonly string[];
  readonly lossWeights?: readonly number[];
  readonly trainer: "dpo" | "kto";
  readonly beta: number;
  /** `optim`; transformers builds torch.optim.RMSprop / SGD from `lr`, `weight_decay` 0 and `optim_args`. */
  readonly optimizer: "rmsprop" | "sgd";
  /** Our optimizerConfig; TRL gets the same as `optim_args` (PyTorch's names). */
  readonly optimizerConfig: Readonly<Record<string, number>>;
  readonly lr: number;
  readonly epochs: number;
  /** Pairs (KTO: examples) per optimizer step: per_device_train_batch_size × gradient_accumulation_steps. */
  readonly batchSize: number;
  /** per_device_train_batch_size. */
  readonly microBatchSize: number;
  readonly maxGradNorm: number;
  readonly seed: number;
  readonly maxLength: number;
  /** TRL's precompute_ref_log_probs (no numeric difference; both paths are exercised). */
  readonly precompute: boolean;
  /** KTOTrainer's train_sampling_strategy ("random" for apo_zero_unpaired, as `apo export trl` writes it). */
  readonly sampling?: "random" | "sequential";
}

/**
 * The cases: every loss of the brief on both families and every row format, RMSprop and SGD (with and
 * without momentum), gradient accumulation with a short last micro-batch, clipping on, and 4 to 8 steps.
 */
export const TRL_ORACLE_CASES: readonly TrlOracleCase[] = [
  {
    name: "apo-zero-llama-standard-rmsprop",
    model: "llama",
    data: "standard",
    loss: "apo_zero",
    trainer: "dpo",
    beta: 0.1,
    optimizer: "rmsprop",
    optimizerConfig: {},
    lr: 1e-3,
    epochs: 2,
    batchSize: 4,
    microBatchSize: 2,
    maxGradNorm: 1,
    seed: 42,
    maxLength: 40,
    precompute: false,
  },
  {
    name: "apo-down-gpt2-conversational-sgd",
    model: "gpt2",
    data: "conversational",
    loss: "apo_down",
    trainer: "dpo",
    beta: 0.1,
    optimizer: "sgd",
    optimizerConfig: { momentum: 0.9 },
    lr: 0.5,
    epochs: 2,
    batchSize: 4,
    microBatchSize: 4,
    maxGradNorm: 1,
    seed: 7,
    maxLength: 64,
    precompute: true,
  },
  {
    name: "sigmoid-llama-implicit-sgd",
    model: "llama",
    data: "implicit",
    loss: "sigmoid",
    trainer: "dpo",
    beta: 0.1,
    optimizer: "sgd",
    optimizerConfig: {},
    lr: 0.5,
    epochs: 4,
    batchSize: 15,
    microBatchSize: 5,
    maxGradNorm: 0.5,
    seed: 3,
    maxLength: 1024,
    precompute: false,
  },
  {
    name: "ipo-gpt2-standard-rmsprop",
    model: "gpt2",
    data: "standard",
    loss: "ipo",
    trainer: "dpo",
    beta: 0.5,
    optimizer: "rmsprop",
    optimizerConfig: {},
    lr: 5e-4,
    epochs: 2,
    batchSize: 4,
    microBatchSize: 1,
    maxGradNorm: 1,
    seed: 11,
    maxLength: 40,
    precompute: true,
  },
  {
    name: "sft-llama-conversational-sgd",
    model: "llama",
    data: "conversational",
    loss: "sft",
    trainer: "dpo",
    beta: 0.1,
    optimizer: "sgd",
    optimizerConfig: {},
    lr: 0.2,
    epochs: 2,
    batchSize: 4,
    microBatchSize: 2,
    maxGradNorm: 1,
    seed: 5,
    maxLength: 1024,
    precompute: false,
  },
  {
    name: "sigmoid-sft-gpt2-implicit-rmsprop",
    model: "gpt2",
    data: "implicit",
    loss: ["sigmoid", "sft"],
    lossWeights: [1, 0.5],
    trainer: "dpo",
    beta: 0.1,
    optimizer: "rmsprop",
    optimizerConfig: {},
    lr: 1e-3,
    epochs: 2,
    batchSize: 4,
    microBatchSize: 2,
    maxGradNorm: 1,
    seed: 17,
    maxLength: 1024,
    precompute: false,
  },
  {
    name: "kto-llama-unpaired-rmsprop",
    model: "llama",
    data: "unpaired",
    loss: "kto",
    trainer: "kto",
    beta: 0.1,
    optimizer: "rmsprop",
    optimizerConfig: {},
    lr: 1e-3,
    epochs: 2,
    batchSize: 6,
    microBatchSize: 3,
    maxGradNorm: 1,
    seed: 42,
    maxLength: 32,
    precompute: false,
  },
  {
    name: "kto-gpt2-conversational-sgd",
    model: "gpt2",
    data: "conversational",
    loss: "kto",
    trainer: "kto",
    beta: 0.1,
    optimizer: "sgd",
    optimizerConfig: { momentum: 0.5 },
    lr: 0.5,
    epochs: 1,
    batchSize: 4,
    microBatchSize: 4,
    maxGradNorm: 1,
    seed: 42,
    maxLength: 48,
    precompute: true,
  },
  {
    name: "apo-zero-unpaired-llama-standard-sgd",
    model: "llama",
    data: "standard",
    loss: "apo_zero_unpaired",
    trainer: "kto",
    beta: 0.1,
    optimizer: "sgd",
    optimizerConfig: {},
    lr: 0.5,
    epochs: 1,
    batchSize: 4,
    microBatchSize: 2,
    maxGradNorm: 1,
    seed: 9,
    maxLength: 40,
    precompute: false,
    sampling: "random",
  },
];

/**
 * Write a model's checkpoint folder: `createTinyModel` with its seed, for `bos` models a tokenizer
 * post-processor that adds BOS, the weights saved as F64. Same bytes on every run and machine.
 *
 * @example
 * ```ts
 * await writeTrlOracleModel(TRL_ORACLE_MODELS.llama, "/tmp/oracle/models/llama");
 * ```
 */
export async function writeTrlOracleModel(m: TrlOracleModel, dir: string): Promise<void> {
  await createTinyModel({ family: m.family, seed: m.seed, out: dir });
  if (m.bos) await addBosPostProcessor(dir);
  // Stored as F64 (the same values), so a float64 run's checkpoint keeps its weights unrounded.
  await savePretrainedModel(await loadPretrainedModel(dir, { dtype: "float64" }), dir, { dtype: "F64" });
}

async function addBosPostProcessor(dir: string): Promise<void> {
  const file = join(dir, "tokenizer.json");
  const json = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  const bos = BYTE_LEVEL_SPECIAL_TOKENS.bos;
  json.post_processor = {
    type: "TemplateProcessing",
    single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
    pair: [
      { SpecialToken: { id: bos, type_id: 0 } },
      { Sequence: { id: "A", type_id: 0 } },
      { SpecialToken: { id: bos, type_id: 1 } },
      { Sequence: { id: "B", type_id: 1 } },
    ],
    special_tokens: { [bos]: { id: bos, ids: [1], tokens: [bos] } },
  };
  await writeFile(file, JSON.stringify(json));
  const configFile = join(dir, "tokenizer_config.json");
  const config = JSON.parse(await readFile(configFile, "utf8")) as Record<string, unknown>;
  config.add_bos_token = true;
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * Write everything both sides read: `models/<model>/`, `data/<data>.jsonl` and `cases.json` (the cases,
 * for Python) under `dir`.
 *
 * @example
 * ```ts
 * await writeTrlOracleInputs("/tmp/oracle");
 * ```
 */
export async function writeTrlOracleInputs(dir: string): Promise<void> {
  for (const [name, m] of Object.entries(TRL_ORACLE_MODELS)) {
    await writeTrlOracleModel(m, join(dir, "models", name));
  }
  await mkdir(join(dir, "data"), { recursive: true });
  for (const [name, rows] of Object.entries(TRL_ORACLE_DATA)) {
    const text = rows.map((r) => JSON.stringify(r)).join("\n");
    await writeFile(join(dir, "data", `${name}.jsonl`), `${text}\n`);
  }
  await writeFile(join(dir, "cases.json"), `${JSON.stringify(TRL_ORACLE_CASES, null, 2)}\n`);
}

/**
 * The {@link train} options of a case, for the inputs written under `dir` (TRL's order, no held-out
 * split, every step silent).
 *
 * @example
 * ```ts
 * await train(trlOracleTrainOptions(TRL_ORACLE_CASES[0]!, "/tmp/oracle", "/tmp/run", "float64"));
 * ```
 */
export function trlOracleTrainOptions(
  c: TrlOracleCase,
  dir: string,
  out: string,
  dtype: "float32" | "float64",
): TrainOptions {
  return {
    model: join(dir, "models", c.model),
    data: join(dir, "data", `${c.data}.jsonl`),
    out,
    loss: c.loss,
    ...(c.lossWeights === undefined ? {} : { lossWeights: c.lossWeights }),
    beta: c.beta,
    optimizer: c.optimizer,
    optimizerConfig: { ...c.optimizerConfig },
    lr: c.lr,
    epochs: c.epochs,
    batchSize: c.batchSize,
    microBatchSize: c.microBatchSize,
    maxGradNorm: c.maxGradNorm,
    seed: c.seed,
    maxLength: c.maxLength,
    order: "torch",
    evalFraction: 0,
    saveEvery: 1_000_000,
    dtype,
    progress: { stream: null },
  };
}
