import type { LoraConfig } from "@apo/trainer";
import { OBJECTIVES, type ObjectiveName } from "./align.js";
import type { DatasetName } from "./datasets.js";

/** Sizes and hyper-parameters of a demo run. */
export interface DemoConfig {
  /**
   * A smoke run: every stage at sizes too small to mean anything. Its report checks no claim of the paper
   * and names no winner; it only shows that the pipeline runs.
   */
  smoke: boolean;
  seed: number;
  hiddenSize: number;
  numLayers: number;
  sftSteps: number;
  sftLr: number;
  /**
   * SFT steps of the two other models whose answers make the off-policy judge dataset (M′ and M″ of the
   * paper's eq. 3): fewer than `sftSteps`, so that, as in UltraFeedback, they are mostly weaker than M.
   */
  otherModelSftSteps: readonly [number, number];
  /** Prompts whose answers become preference data (the same prompts for every dataset, as in the paper). */
  preferencePrompts: number;
  /** Held-out prompts for task accuracy (the standard error of an accuracy is at most 50/√n points). */
  evalPrompts: number;
  /** Pairs of each dataset held out for the Figure-4 trajectories (the paper uses 100). */
  heldOutPairs: number;
  /** Passes over each dataset; accuracy is measured on a checkpoint after every epoch (the paper: 18). */
  epochs: number;
  /** RMSProp learning rate, decaying linearly to 0 over all epochs (the paper: 2e-7 on an 8B model). */
  alignLr: number;
  beta: number;
  /** Pairs per optimizer step (the paper: an effective batch of 16). */
  pairsPerStep: number;
  /** Held-out log-likelihood and reward evaluations per epoch (Figure 4). */
  trajectoryPointsPerEpoch: number;
  /** The objectives trained on every dataset, in this order (default: all; claims on missing ones are not tested). */
  objectives: readonly ObjectiveName[];
  /**
   * The cell whose last checkpoint `clair eval`'s library compares with the starting model on the held-out
   * prompts (chosen before training; the last cell trained when this objective is not).
   */
  evalCell: { readonly dataset: DatasetName; readonly objective: ObjectiveName };
  /** Align with LoRA adapters instead of every weight (`--lora`); absent: full fine-tuning, as the paper. */
  lora?: LoraConfig;
}

/**
 * The full demo: about two minutes of CPU on 2 cores. The learning rate is where alignment moves accuracy by
 * many standard errors without sending every cell to 0 % (in trial runs 1e-4 sent most cells near 0 %, and 1e-5
 * moved the best cell by about one point). 3 000 evaluation prompts keep an accuracy's standard error under 1
 * point.
 */
export const FULL_DEMO: DemoConfig = {
  smoke: false,
  seed: 7,
  hiddenSize: 64,
  numLayers: 2,
  sftSteps: 150,
  sftLr: 3e-3,
  otherModelSftSteps: [40, 60],
  preferencePrompts: 768,
  evalPrompts: 3000,
  heldOutPairs: 64,
  epochs: 3,
  alignLr: 2e-5,
  beta: 0.1,
  pairsPerStep: 32,
  trajectoryPointsPerEpoch: 2,
  objectives: Object.keys(OBJECTIVES) as ObjectiveName[],
  evalCell: { dataset: "CLAIR", objective: "APO-anchored" },
};

/** A seconds-long run of every stage, for the smoke test: no claims. */
export const QUICK_DEMO: DemoConfig = {
  ...FULL_DEMO,
  smoke: true,
  hiddenSize: 32,
  numLayers: 1,
  sftSteps: 20,
  otherModelSftSteps: [5, 10],
  preferencePrompts: 32,
  evalPrompts: 16,
  heldOutPairs: 4,
  epochs: 2,
  pairsPerStep: 8,
  trajectoryPointsPerEpoch: 1,
};
