import type { LossDefinition } from "@apo/losses/define";
import type { TrainConfig } from "../train/train-options.js";
import { TrainConfigError } from "../train-step/train-config-error.js";

/**
 * Batching limits of the unpaired losses. KTO estimates its KL reference point from the mismatched
 * completions of each batch, which needs a batch of at least 2 examples (as in TRL's KTOTrainer); with
 * gradient accumulation each micro-batch estimates its own, so micro-batches need 2 examples too.
 *
 * @throws TrainConfigError naming `batchSize` or `microBatchSize`
 * @example
 * ```ts
 * checkUnpairedBatching(getLoss("kto"), config); // throws for batchSize 1
 * ```
 */
export function checkUnpairedBatching(
  loss: LossDefinition,
  config: Pick<TrainConfig, "batchSize" | "microBatchSize">,
): void {
  if (loss.kind !== "unpaired") return;
  if (loss.usesKl && config.batchSize < 2) {
    throw new TrainConfigError(
      "batchSize",
      config.batchSize,
      `≥ 2 for ${loss.name}: its KL reference point is estimated from the mismatched completions of a batch`,
    );
  }
  if (loss.usesKl && config.microBatchSize < 2) {
    throw new TrainConfigError(
      "microBatchSize",
      config.microBatchSize,
      `≥ 2 for ${loss.name}: each micro-batch estimates its own KL reference point`,
    );
  }
}
