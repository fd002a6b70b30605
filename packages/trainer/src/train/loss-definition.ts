import { LossError } from "@apo/losses";
import { getLoss, type LossDefinition } from "@apo/losses/define";
import { TrainConfigError } from "../train-step/train-config-error.js";

/**
 * The loss a run trains: a registered `@apo/losses` loss by TRL name, or a definition object (a loss
 * written with `definePairedLoss` or `defineUnpairedLoss`, registered or not). Unpaired losses (`kto`,
 * `apo_zero_unpaired`) train on KTO-format data.
 *
 * @throws TrainConfigError (field `loss`) for an unknown name
 * @example
 * ```ts
 * resolveLossDefinition("apo_down").name; // "apo_down"
 * ```
 */
export function resolveLossDefinition(loss: string | LossDefinition): LossDefinition {
  let definition: LossDefinition;
  if (typeof loss === "string") {
    try {
      definition = getLoss(loss);
    } catch (cause) {
      if (LossError.isInstance(cause)) {
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
  return definition;
}
