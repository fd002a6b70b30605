import { getLoss, type LossDefinition, LossError, type PairedLossDefinition } from "@apo/losses";
import { TrainConfigError } from "../artifacts/train-config-error.js";
import { UnsupportedTrainLossError } from "./unsupported-train-loss-error.js";

/**
 * The paired loss a run trains: a registered `@apo/losses` loss by TRL name, or a definition object (a
 * loss written with `definePairedLoss`, registered or not).
 *
 * @throws TrainConfigError (field `loss`) for an unknown name; UnsupportedTrainLossError for an unpaired loss
 * @example
 * ```ts
 * resolveLossDefinition("apo_down").name; // "apo_down"
 * ```
 */
export function resolveLossDefinition(loss: string | LossDefinition): PairedLossDefinition {
  let definition: LossDefinition;
  if (typeof loss === "string") {
    try {
      definition = getLoss(loss);
    } catch (cause) {
      if (cause instanceof LossError) {
        throw new TrainConfigError(
          "loss",
          loss,
          `${cause.message} (a custom loss must be passed as its definition object, on resume too)`,
        );
      }
      throw cause;
    }
  } else {
    definition = loss;
  }
  if (definition.kind !== "paired") throw new UnsupportedTrainLossError(definition.name);
  return definition;
}
