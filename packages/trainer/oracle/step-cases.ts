import type { PromptCompletion } from "../src/logprobs/pack-sequences.js";
import { ORACLE_CASES, type OracleCase, tokenDraw } from "./cases.js";

/**
 * A training-step oracle case: a few optimizer steps of a preference loss on a model of {@link ORACLE_CASES},
 * with the same pairs, hyperparameters and float64 arithmetic on both sides.
 */
export interface StepCase {
  readonly name: string;
  /** The {@link OracleCase} whose model is trained. */
  readonly model: string;
  /** A paired loss of `@apo/losses` by TRL name, and its β. */
  readonly loss: "apo_zero" | "apo_down" | "sigmoid" | "ipo";
  readonly beta: number;
  /** A PyTorch optimizer by our name, with its options (PyTorch's names in camelCase). */
  readonly optimizer: "adamw" | "rmsprop" | "sgd";
  readonly optimizerConfig: Readonly<Record<string, number>>;
  readonly maxGradNorm: number;
  readonly lr: number;
  readonly steps: number;
  /** [prompt, chosen, rejected] lengths per pair; ids drawn from `seed`. */
  readonly lengths: readonly (readonly [number, number, number])[];
  readonly seed: number;
}

/**
 * Each paired loss family member that the paper uses (APO-zero, APO-down, DPO) plus IPO (length-normalised),
 * each with a different optimizer; two of them with clipping active (a small `maxGradNorm`).
 */
export const STEP_CASES: readonly StepCase[] = [
  {
    name: "apo-zero-rmsprop",
    model: "llama-gqa",
    loss: "apo_zero",
    beta: 0.1,
    optimizer: "rmsprop",
    optimizerConfig: {},
    maxGradNorm: 1,
    lr: 1e-3,
    steps: 3,
    lengths: [
      [6, 9, 7],
      [3, 12, 4],
      [10, 5, 8],
    ],
    seed: 21,
  },
  {
    name: "apo-down-adamw-clipped",
    model: "gpt2",
    loss: "apo_down",
    beta: 0.2,
    optimizer: "adamw",
    optimizerConfig: { weightDecay: 0.05 },
    maxGradNorm: 0.05,
    lr: 2e-3,
    steps: 3,
    lengths: [
      [5, 8, 11],
      [9, 4, 6],
    ],
    seed: 22,
  },
  {
    name: "dpo-sgd-momentum",
    model: "llama3-rope-tied-mqa",
    loss: "sigmoid",
    beta: 0.5,
    optimizer: "sgd",
    optimizerConfig: { momentum: 0.9, weightDecay: 0.01 },
    maxGradNorm: 1,
    lr: 0.05,
    steps: 3,
    lengths: [
      [7, 10, 10],
      [4, 6, 13],
    ],
    seed: 23,
  },
  {
    name: "ipo-adamw-clipped",
    model: "qwen2",
    loss: "ipo",
    beta: 0.1,
    optimizer: "adamw",
    optimizerConfig: {},
    maxGradNorm: 0.1,
    lr: 1e-3,
    steps: 2,
    lengths: [
      [8, 6, 9],
      [5, 14, 3],
    ],
    seed: 24,
  },
];

/** The model case a step case trains. */
export function stepModelCase(c: StepCase): OracleCase {
  const found = ORACLE_CASES.find((m) => m.name === c.model);
  if (found === undefined) throw new Error(`step case ${c.name}: no oracle case ${c.model}`);
  return found;
}

/** The batch of a step case: the chosen rows of every pair, then the rejected rows (our training layout). */
export function stepRows(
  c: StepCase,
  vocabSize: number,
): { chosen: PromptCompletion[]; rejected: PromptCompletion[] } {
  const draw = tokenDraw(c.seed, vocabSize);
  const pairs = c.lengths.map(([p, w, l]) => ({ prompt: draw(p), chosen: draw(w), rejected: draw(l) }));
  return {
    chosen: pairs.map((x) => ({ promptIds: x.prompt, completionIds: x.chosen })),
    rejected: pairs.map((x) => ({ promptIds: x.prompt, completionIds: x.rejected })),
  };
}
