import type { LossMath } from "./math/loss-math.js";

/**
 * Hyper-parameters of a loss: an object of plain numbers (β, ε, τ, …), lifted into a backend with
 * `constant`. Parameters are never tensors, so a definition may branch on them (e.g. skip ε-terms at ε = 0).
 */
export type LossParams = object;

/**
 * One example's inputs as seen by a paired loss definition (numbers in JavaScript, `[batch]` tensors in a
 * graph). `chosenLength`/`rejectedLength` are token counts, already clamped to ≥ 1 (1 when not given).
 * `anchorDown` is the pair's weight a ∈ [0, 1] between APO-zero (0) and APO-down (1), given per example by
 * the batch to a definition that declares `usesAnchorDown` (0 for every other definition).
 */
export interface PairedTerms<T> {
  policyChosen: T;
  policyRejected: T;
  referenceChosen: T;
  referenceRejected: T;
  chosenLength: T;
  rejectedLength: T;
  anchorDown: T;
}

/** What a paired definition returns: the per-example loss and its closed-form partial derivatives. */
export interface PairedTermsOutput<T> {
  loss: T;
  /** ∂loss/∂policyChosen */
  gradChosen: T;
  /** ∂loss/∂policyRejected */
  gradRejected: T;
}

/** How a loss reports its implicit rewards: β·(c − c0) for reference-based losses, β·c or β·c/ℓ otherwise. */
export type RewardKind = "log-ratio" | "log-prob" | "average-log-prob";

/**
 * Batch couplings that a per-example formula cannot express, applied by the runner (and by the trainer's
 * graph emitter) around the formula:
 * - `"none"`: each example's loss depends on that example only.
 * - `"sorted-log-ratios"` (AOT unpaired): Δc and Δr are sorted independently and paired by rank.
 * - `"sorted-margins"` (AOT paired): c − r and c0 − r0 are sorted independently and paired by rank.
 * - `"batch-means"`: `terms` also reads {@link BatchMeans} (means over the batch, the micro-batch in
 *   training), and its gradients include the dependence through them: `gradChosen[i]` is
 *   ∂(Σⱼ lossⱼ)/∂cᵢ, as for AOT. TRL's token-mean NLL (`sft`, CPO's `cpo_alpha` term) is one.
 * - `"detached-batch-means"`: `terms` reads {@link BatchMeans} as constants (stop-gradient): the gradients
 *   are those of the per-example formula at fixed means (KTO-pair's batch-estimated anchors).
 * - `"weighted-sum"`: a sum of other paired definitions ({@link PairedLossDefinition.parts}), each evaluated
 *   with its own coupling (TRL's `loss_type` list with `loss_weights`); made by `weightedLossSum`.
 */
export type BatchCoupling =
  | "none"
  | "sorted-log-ratios"
  | "sorted-margins"
  | "batch-means"
  | "detached-batch-means"
  | "weighted-sum";

/**
 * Means over the batch (the micro-batch in training; scalars in a graph) that a definition with coupling
 * `"batch-means"` or `"detached-batch-means"` reads. Lengths are the clamped token counts (1 when not given),
 * log-ratios use 0 for an absent reference.
 *
 * ```text
 * policyChosen = mean cᵢ    chosenLength = mean ℓcᵢ    chosenLogRatio = mean (cᵢ − c0ᵢ)
 * policyRejected = mean rᵢ  rejectedLength = mean ℓrᵢ  rejectedLogRatio = mean (rᵢ − r0ᵢ)
 * ```
 * So −policyChosen/chosenLength = −Σc/Σℓc is the token mean NLL of the chosen completions of the batch.
 */
export interface BatchMeans<T> {
  policyChosen: T;
  policyRejected: T;
  chosenLength: T;
  rejectedLength: T;
  chosenLogRatio: T;
  rejectedLogRatio: T;
}

/** One term of a `"weighted-sum"` definition: a paired definition and its weight. */
export interface WeightedLossPart {
  readonly definition: PairedLossDefinition;
  readonly weight: number;
}

/**
 * A paired preference loss, defined once for every backend.
 *
 * `terms` must use only `m` for arithmetic on the terms (never JavaScript operators on them), so that the
 * trainer can run the same function with `T = tensor name` to emit the formula into an ONNX graph.
 */
export interface PairedLossDefinition<P extends LossParams = LossParams> {
  readonly kind: "paired";
  /** TRL's `loss_type` key. */
  readonly name: string;
  /** Where the loss comes from. */
  readonly reference: string;
  readonly defaults: P;
  /** Whether the formula reads `chosenLength`/`rejectedLength` (then they are required and must be ≥ 1). */
  readonly usesLengths: boolean;
  /**
   * Whether the formula reads `anchorDown`, a per-example weight in [0, 1] (then the batch must give it:
   * `PairedBatch.anchorDown`, and the trainer's graph takes it as an input).
   */
  readonly usesAnchorDown: boolean;
  readonly rewards: RewardKind;
  readonly coupling: BatchCoupling;
  /** Whether policy log-probs must be < 0 (ORPO's log(1 − eˣ) is undefined at 0). */
  readonly negativeLogProbs: boolean;
  /** The weighted terms of a `"weighted-sum"` definition (absent otherwise). */
  readonly parts?: readonly WeightedLossPart[];
  /** Throws a `LossParameterError` naming the parameter when a value is out of range. */
  validate(params: P): void;
  /**
   * One example's loss and partial derivatives. `batch` holds the batch means; only definitions whose
   * coupling is `"batch-means"` or `"detached-batch-means"` may read it (reading it otherwise throws).
   */
  terms<T>(m: LossMath<T>, x: PairedTerms<T>, params: P, batch: BatchMeans<T>): PairedTermsOutput<T>;
}

/** One example of an unpaired (KTO-format) batch as seen by a definition. */
export interface UnpairedTerms<T> {
  policy: T;
  reference: T;
  /** 1 for a desirable completion, 0 for an undesirable one. */
  desirable: T;
  /** The detached KL reference point (0 for losses that do not use one). */
  kl: T;
}

/** What an unpaired definition returns: the per-example loss and ∂loss/∂policy. */
export interface UnpairedTermsOutput<T> {
  loss: T;
  grad: T;
}

/** An unpaired loss (KTO family), defined once for every backend. */
export interface UnpairedLossDefinition<P extends LossParams = LossParams> {
  readonly kind: "unpaired";
  readonly name: string;
  readonly reference: string;
  readonly defaults: P;
  /** Whether the loss needs a KL reference point (given, or estimated from mismatched pairs). */
  readonly usesKl: boolean;
  validate(params: P): void;
  terms<T>(m: LossMath<T>, x: UnpairedTerms<T>, params: P): UnpairedTermsOutput<T>;
}

/** Any registered loss. */
export type LossDefinition = PairedLossDefinition | UnpairedLossDefinition;

/**
 * Declares a paired loss with its parameter type inferred from `defaults`.
 * @example
 * ```ts
 * export const sigmoidDefinition = definePairedLoss({ name: "sigmoid", defaults: { beta: 0.1 }, ... });
 * ```
 */
export function definePairedLoss<P extends LossParams>(
  definition: Omit<
    PairedLossDefinition<P>,
    "kind" | "coupling" | "usesLengths" | "usesAnchorDown" | "rewards" | "negativeLogProbs" | "parts"
  > &
    Partial<
      Pick<
        PairedLossDefinition<P>,
        "coupling" | "usesLengths" | "usesAnchorDown" | "rewards" | "negativeLogProbs"
      >
    >,
): PairedLossDefinition<P> {
  return {
    kind: "paired",
    coupling: "none",
    usesLengths: false,
    usesAnchorDown: false,
    rewards: "log-ratio",
    negativeLogProbs: false,
    ...definition,
  };
}

/** Declares an unpaired loss with its parameter type inferred from `defaults`. */
export function defineUnpairedLoss<P extends LossParams>(
  definition: Omit<UnpairedLossDefinition<P>, "kind">,
): UnpairedLossDefinition<P> {
  return { kind: "unpaired", ...definition };
}
