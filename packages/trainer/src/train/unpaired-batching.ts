import type { LossDefinition } from "@apo/losses";
import { TrainConfigError } from "../artifacts/train-config-error.js";
import type { TrainConfig } from "./train-options.js";

/**
 * Batching limits of the unpaired losses. KTO estimates its KL reference point from the mismatched
 * completions of each batch, which needs a batch of at least 2 examples (as in TRL's KTOTrainer). Unpaired
 * batches are not split into micro-batches yet (`microBatchSize` must equal `batchSize`): the
 * accumulation form of the training session does not forward the labels of its micro-batches.
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
  if (config.microBatchSize !== config.batchSize) {
    throw new TrainConfigError(
      "microBatchSize",
      config.microBatchSize,
      `equal to batchSize (${config.batchSize}) for the unpaired loss ${loss.name}: gradient accumulation of unpaired batches is not supported yet`,
    );
  }
}
