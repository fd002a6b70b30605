import type { LossDefinition } from "@apo/losses/define";
import type { TrainPair } from "../data/read-pairs.js";
import { torchRandperm } from "../data/torch-randperm.js";
import { typicalBatchLength } from "../data/typical-length.js";
import type { TrainingForward } from "../logprobs/training-batch-log-probs.js";
import { SeededRandom } from "../models/seeded-random.js";
import type { TrainConfig } from "./train-options.js";

/**
 * The order in which an epoch visits the N training pairs (examples): `"seeded"` a permutation from the
 * run's generator `rng`; `"torch"` TRL's, `torch.randperm(N)` seeded with `seed + epoch`, or the file
 * order for an unpaired loss with a KL estimate (KTOTrainer trains `kto` in file order). `rng` draws its
 * permutation under either order, so `"seeded"` and `"torch"` runs save the same kind of generator state.
 *
 * @example
 * ```ts
 * const order = epochOrder(config, loss, rng, epoch, pairs.length); // e.g. [3, 0, 2, 1]
 * ```
 */
export function epochOrder(
  config: Pick<TrainConfig, "order" | "seed">,
  loss: LossDefinition,
  rng: SeededRandom,
  epoch: number,
  n: number,
): number[] {
  const seeded = rng.permutation(n);
  if (config.order !== "torch") return seeded;
  if (loss.kind === "unpaired" && loss.usesKl) return Array.from({ length: n }, (_, i) => i);
  return torchRandperm(n, config.seed + epoch);
}

/**
 * The training loop's forward over the first epoch, for reference log-probs that equal its first policy
 * log-probs bit for bit (see `trainingBatchLogProbs`): the first epoch's micro-batches (a fresh
 * generator seeded with `config.seed`, as a run starts), how they are packed (an unpaired loss without a
 * KL estimate packs its examples alone), and the training graph's `expectedSequenceLength`.
 *
 * ```text
 * batches = chunks of microBatchSize of epochOrder(epoch 0)
 * ```
 *
 * @example
 * ```ts
 * const forward = firstEpochForward(config, loss, pairs);
 * await runReferenceLogProbs(config, model, pairs, held, {}, {}, forward);
 * ```
 */
export function firstEpochForward(
  config: Pick<TrainConfig, "order" | "seed" | "microBatchSize">,
  loss: LossDefinition,
  pairs: readonly TrainPair[],
): TrainingForward {
  const order = epochOrder(config, loss, new SeededRandom(config.seed), 0, pairs.length);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += config.microBatchSize) {
    batches.push(order.slice(i, i + config.microBatchSize));
  }
  return {
    batches,
    rows: loss.kind === "unpaired" && !loss.usesKl ? "chosen" : "pairs",
    expectedSequenceLength: typicalBatchLength(pairs),
  };
}
