import { packPairs } from "../data/pack-pairs.js";
import type { TrainPair } from "../data/read-pairs.js";
import type { LoraConfig } from "../lora/lora-config.js";
import { BatchError } from "../models/model-errors.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import type { WeightMap } from "../safetensors/tensor.js";
import type { LogProbSession } from "./log-prob-session.js";
import { type PackedBatch, type PromptCompletion, packSequences } from "./pack-sequences.js";
import type { PairLogProbs } from "./pair-log-probs.js";

/**
 * How the training loop runs its forward over the pairs, for reference log-probs that are its bitwise twin:
 * in float32 a row's log-prob depends on the padded length of its batch (onnxruntime's vectorised softmax
 * sums a row's tail in another order) and on the graph's form, so the reference is computed in the first
 * epoch's micro-batches by the training step's own forward.
 */
export interface TrainingForward {
  /** The first epoch's micro-batches: indices into the pairs, every pair exactly once. */
  readonly batches: readonly (readonly number[])[];
  /**
   * What a micro-batch packs: `"pairs"`, the chosen rows then the rejected rows of its pairs (paired
   * losses, and unpaired ones with a KL estimate, whose rejected rows are the mismatched completions);
   * `"chosen"`, the chosen rows alone (an unpaired loss without one; the rejected rows are then scored in
   * batches of their own, which the training step never reads).
   */
  readonly rows: "pairs" | "chosen";
  /** The training graph's `expectedSequenceLength` (it picks the dense layers' form). */
  readonly expectedSequenceLength: number;
  /**
   * A LoRA run's adapter: the training step is then the LoRA graph (base weights as initializers), and the
   * reference is that graph's forward with `lora_scale` 0 (the adapters switched off exactly, TRL's PEFT
   * trick); `adapters` are fed to it (any values of the right shapes).
   */
  readonly lora?: { readonly config: LoraConfig; readonly adapters: WeightMap };
}

/**
 * Log-probs of every pair, batched as `forward.batches` (and packed as the training loop packs them) under
 * a session of the training step's form (`LogProbSession.create` with `trainable`). With the initial
 * weights, each row's value is bit for bit the policy log-prob the first epoch's training step computes,
 * so the first step's rewards β·(log π − log π_ref) are exactly 0, as in TRL, whose policy and reference
 * share one forward's arithmetic. `onBatch` hears how many pairs each run scored.
 *
 * @throws BatchError when `forward.batches` does not hold every pair exactly once
 * @example
 * ```ts
 * const session = await LogProbSession.create(model, {}, { trainable: "all", expectedSequenceLength: 40 });
 * const reference = await trainingBatchLogProbs(session, model, pairs, {
 *   batches: [[2, 0], [1, 3]],
 *   rows: "pairs",
 *   expectedSequenceLength: 40,
 * });
 * ```
 */
export async function trainingBatchLogProbs(
  session: LogProbSession,
  model: PretrainedModel,
  pairs: readonly TrainPair[],
  forward: TrainingForward,
  onBatch?: (pairs: number) => void,
): Promise<PairLogProbs> {
  const n = pairs.length;
  const seen = new Uint8Array(n);
  for (const batch of forward.batches) {
    for (const i of batch) {
      if (!Number.isInteger(i) || i < 0 || i >= n || seen[i] === 1) {
        throw new BatchError(`training batches must hold each of the ${n} pairs once; pair ${i} is not`);
      }
      seen[i] = 1;
    }
  }
  if (seen.includes(0)) {
    throw new BatchError(
      `training batches must hold each of the ${n} pairs once; pair ${seen.indexOf(0)} is missing`,
    );
  }
  const out: PairLogProbs = {
    chosen: new Float64Array(n),
    rejected: new Float64Array(n),
    chosenTokens: new Float64Array(n),
    rejectedTokens: new Float64Array(n),
  };
  const padId = model.tokenizer?.padTokenId ?? model.config.eosTokenId ?? 0;
  const pack = (rows: PromptCompletion[]): PackedBatch =>
    packSequences(rows, { padId, maxLength: model.config.maxPositions, vocabSize: model.config.vocabSize });
  for (const indices of forward.batches) {
    const part = indices.map((i) => pairs[i] as TrainPair);
    const set = (i: number, side: "chosen" | "rejected", r: { logp: number; tokens: number }) => {
      out[side][i] = r.logp;
      out[side === "chosen" ? "chosenTokens" : "rejectedTokens"][i] = r.tokens;
    };
    if (forward.rows === "pairs") {
      const rows = await session.runPacked(packPairs(model, part));
      indices.forEach((i, k) => {
        set(i, "chosen", rows[k] as { logp: number; tokens: number });
        set(i, "rejected", rows[part.length + k] as { logp: number; tokens: number });
      });
    } else {
      const chosen = await session.runPacked(pack(part.map((p) => p.chosen)));
      const rejected = await session.runPacked(pack(part.map((p) => p.rejected)));
      indices.forEach((i, k) => {
        set(i, "chosen", chosen[k] as { logp: number; tokens: number });
        set(i, "rejected", rejected[k] as { logp: number; tokens: number });
      });
    }
    onBatch?.(part.length);
  }
  return out;
}
