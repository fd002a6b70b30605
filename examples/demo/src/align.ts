import {
  adapterWeights,
  initLoraWeights,
  type LoraConfig,
  loraModules,
  mergeLoraAdapter,
  type PretrainedModel,
  packSequences,
  TrainStepSession,
} from "@apo/trainer";
import type { Pair } from "./datasets.js";
import { encodePair, withWeights } from "./model-io.js";
import { seededRandom } from "./task.js";

/**
 * The objectives the demo compares, by the paper's names, with the trainer's (TRL's) loss names: the
 * paper's five (Table 2) and APO with the anchor chosen per pair (`apo_anchored`, beyond the paper).
 */
export const OBJECTIVES = {
  SFT: "sft",
  DPO: "sigmoid",
  KTO: "kto_pair",
  "APO-zero": "apo_zero",
  "APO-down": "apo_down",
  "APO-anchored": "apo_anchored",
} as const;
export type ObjectiveName = keyof typeof OBJECTIVES;

/** Held-out statistics at one step: the paper's Figure 4 quantities. */
export interface TrajectoryPoint {
  step: number;
  /** Fractional epoch of the step. */
  epoch: number;
  /** Mean summed log-likelihood of the held-out chosen / rejected answers. */
  chosenLogp: number;
  rejectedLogp: number;
  /** Mean implicit rewards β·(log π − log π_ref). */
  chosenReward: number;
  rejectedReward: number;
  /** Share of held-out pairs whose chosen reward exceeds the rejected one. */
  rewardAccuracy: number;
}

/** Log-probs of the chosen and rejected answers of some pairs, in pair order. */
export interface PairLogProbs {
  chosen: number[];
  rejected: number[];
}

/** The reference model's log-probs of a dataset's training and held-out pairs (the same for every objective). */
export interface PairReference {
  train: PairLogProbs;
  heldOut: PairLogProbs;
}

/** Options of {@link align}. */
export interface AlignOptions {
  objective: ObjectiveName;
  beta: number;
  lr: number;
  epochs: number;
  pairsPerStep: number;
  trajectoryPointsPerEpoch: number;
  /** Seeds the batch order, the same for every objective so that they see the pairs in the same order. */
  seed: number;
  /** The reference log-probs from an earlier call on the same pairs (computed when absent). */
  reference?: PairReference;
  /** Per training pair, APO-anchored's weight of APO-down (0: APO-zero, 1: APO-down). */
  anchorDown?: readonly number[];
  /** Called with the checkpoint after every epoch (the paper evaluates every epoch's checkpoint). */
  onEpoch?: (epoch: number, model: PretrainedModel) => Promise<void>;
  /**
   * Train a LoRA adapter (PEFT-initialised from `seed`) instead of the weights; each epoch's checkpoint is
   * the model with the adapter merged in.
   */
  lora?: LoraConfig;
}

/** What {@link align} returns. */
export interface AlignResult {
  model: PretrainedModel;
  trajectory: TrajectoryPoint[];
  /** Per held-out pair, the rewards after the last step (for paired standard errors). */
  finalRewards: PairLogProbs;
  reference: PairReference;
}

/** Held-out pairs evaluated per run of the session (one run: 2 × this many rows). */
const EVAL_CHUNK = 64;

function pack(model: PretrainedModel, pairs: readonly Pair[]) {
  const rows = [
    ...pairs.map((p) => encodePair(model, p.prompt, p.chosen)),
    ...pairs.map((p) => encodePair(model, p.prompt, p.rejected)),
  ];
  return packSequences(rows, {
    padId: 0,
    maxLength: model.config.maxPositions,
    vocabSize: model.config.vocabSize,
  });
}

/** Policy log-probs of pairs without changing the weights (lr = 0 evaluates). */
async function logProbs(
  session: TrainStepSession,
  model: PretrainedModel,
  pairs: readonly Pair[],
  reference?: PairLogProbs,
): Promise<PairLogProbs> {
  const chosen: number[] = [];
  const rejected: number[] = [];
  for (let start = 0; start < pairs.length; start += EVAL_CHUNK) {
    const part = pairs.slice(start, start + EVAL_CHUNK);
    const ref = reference
      ? [
          ...reference.chosen.slice(start, start + part.length),
          ...reference.rejected.slice(start, start + part.length),
        ]
      : new Array(2 * part.length).fill(0);
    // Anchors only matter to the loss's value, not to the log-probs read here.
    const out = await session.step(pack(model, part), ref, 0, undefined, new Array(part.length).fill(0));
    chosen.push(...Array.from(out.policyLogp.subarray(0, part.length)));
    rejected.push(...Array.from(out.policyLogp.subarray(part.length)));
  }
  return { chosen, rejected };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * Aligns a copy of the model on preference pairs with one objective as the paper does (RMSProp, the
 * learning rate decaying linearly to 0, every pair once per epoch in a seeded order), tracking the
 * held-out log-likelihoods and rewards (Figure 4) and handing every epoch's checkpoint to `onEpoch`.
 * The reference is the model itself.
 * @example const { trajectory } = await align(weak, pairs, heldOut, { objective: "APO-zero", epochs: 4, ... });
 */
export async function align(
  model: PretrainedModel,
  train: readonly Pair[],
  heldOut: readonly Pair[],
  options: AlignOptions,
): Promise<AlignResult> {
  const session = await TrainStepSession.create(model, {
    loss: OBJECTIVES[options.objective],
    lossParams: { beta: options.beta },
    optimizer: "rmsprop",
    maxGradNorm: 1,
    sessionOptions: { intraOpNumThreads: 1 },
    ...(options.lora === undefined
      ? {}
      : { lora: options.lora, adapters: initLoraWeights(model, options.lora, options.seed) }),
  });
  // The model the session's weights make: with LoRA, the base with the adapter merged in.
  const current = (): PretrainedModel => {
    const lora = options.lora;
    if (lora === undefined) return withWeights(model, session.weights);
    const adapter = {
      config: lora,
      weights: adapterWeights(lora, session.weights),
      modules: loraModules(model, lora.targets),
      baseModel: null,
    };
    return mergeLoraAdapter(model, adapter);
  };
  try {
    const reference = options.reference ?? {
      train: await logProbs(session, model, train),
      heldOut: await logProbs(session, model, heldOut),
    };
    const trajectory: TrajectoryPoint[] = [];
    let finalRewards: PairLogProbs = { chosen: [], rejected: [] };
    const perEpoch = Math.ceil(train.length / options.pairsPerStep);
    const total = perEpoch * options.epochs;
    const evaluate = async (step: number) => {
      const now = await logProbs(session, model, heldOut, reference.heldOut);
      const ref = reference.heldOut;
      const cr = now.chosen.map((v, i) => options.beta * (v - (ref.chosen[i] as number)));
      const rr = now.rejected.map((v, i) => options.beta * (v - (ref.rejected[i] as number)));
      finalRewards = { chosen: cr, rejected: rr };
      trajectory.push({
        step,
        epoch: step / perEpoch,
        chosenLogp: mean(now.chosen),
        rejectedLogp: mean(now.rejected),
        chosenReward: mean(cr),
        rejectedReward: mean(rr),
        rewardAccuracy: mean(cr.map((c, i) => (c > (rr[i] as number) ? 1 : 0))),
      });
    };
    await evaluate(0);
    // Steps within an epoch after which the held-out pairs are evaluated (always its last step).
    const points = new Set(
      Array.from({ length: options.trajectoryPointsPerEpoch }, (_, k) =>
        Math.round(((k + 1) * perEpoch) / options.trajectoryPointsPerEpoch),
      ),
    );
    const rand = seededRandom(options.seed);
    const order = train.map((_, i) => i);
    let step = 0;
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      for (let start = 0; start < order.length; start += options.pairsPerStep) {
        const picked = order.slice(start, start + options.pairsPerStep);
        const ref = [
          ...picked.map((i) => reference.train.chosen[i] as number),
          ...picked.map((i) => reference.train.rejected[i] as number),
        ];
        const anchors = picked.map((i) => options.anchorDown?.[i] ?? 0);
        const lr = options.lr * (1 - step / total);
        step++;
        await session.step(
          pack(
            model,
            picked.map((i) => train[i] as Pair),
          ),
          ref,
          lr,
          undefined,
          anchors,
        );
        if (points.has(step - (epoch - 1) * perEpoch)) await evaluate(step);
      }
      await options.onEpoch?.(epoch, current());
    }
    return { model: current(), trajectory, finalRewards, reference };
  } finally {
    await session.release();
  }
}
