import { DEPRECATED_LOSS_NAMES, LOSSES, LossError } from "@apo/losses";
import { getLoss, type LossDefinition, type PairedLossDefinition, weightedLossSum } from "@apo/losses/define";
import { closest } from "../suggest.js";
import { TrainConfigError } from "../train-step/train-config-error.js";

/** One loss of a run: a registered loss by TRL name, or a definition object. */
export type LossSpec = string | LossDefinition;

const warned = new Set<string>();

function resolveOne(loss: LossSpec, field: string): LossDefinition {
  if (typeof loss !== "string") return loss;
  const alias = (DEPRECATED_LOSS_NAMES as Readonly<Record<string, string>>)[loss];
  if (alias !== undefined && !warned.has(loss)) {
    warned.add(loss);
    process.emitWarning(`loss "${loss}" is deprecated: it is TRL's "${alias}", and runs record that name`, {
      type: "DeprecationWarning",
      code: "APO_LOSS_ALIAS",
    });
  }
  try {
    return getLoss(loss);
  } catch (cause) {
    if (LossError.isInstance(cause) && cause.code === "UNKNOWN_LOSS") {
      throw new TrainConfigError(field, loss, unknownLossHint(loss));
    }
    throw cause;
  }
}

/** What an unknown loss name should have been: the nearest registered name, then every name. */
function unknownLossHint(name: string): string {
  const known = Object.keys(LOSSES).filter((n) => !Object.hasOwn(DEPRECATED_LOSS_NAMES, n));
  // DPO's loss goes by its TRL name, which no edit distance finds.
  const near = name.toLowerCase() === "dpo" ? "sigmoid (TRL's name for DPO's loss)" : closest(name, known);
  return (
    `a registered loss name${near === undefined ? "" : ` (did you mean ${near}?)`}; the losses: ` +
    `${known.join(", ")} (a custom loss must be passed as its definition object, on resume too)`
  );
}

/**
 * The loss a run trains: a registered `@apo/losses` loss by TRL name, or a definition object (a loss
 * written with `definePairedLoss` or `defineUnpairedLoss`, registered or not). Unpaired losses (`kto`,
 * `apo_zero_unpaired`) train on KTO-format data. Several paired losses, with optional `weights` (TRL's
 * `loss_type` list and `loss_weights`, default 1 each), become one `weightedLossSum`: the objective is
 * Σₖ wₖ·mean_i Lₖ. A deprecated name (`aot_pair`) resolves to its TRL definition with a one-time warning.
 *
 * @throws TrainConfigError (field `loss`) for an unknown name or an unpaired loss in a list; (field
 *   `lossWeights`) for a weight count that differs from the losses' or a non-finite weight
 * @example
 * ```ts
 * resolveLossDefinition("apo_down").name; // "apo_down"
 * resolveLossDefinition(["sigmoid", "sft"], [1, 0.5]).name; // "sigmoid,sft"
 * ```
 */
export function resolveLossDefinition(
  loss: LossSpec | readonly LossSpec[],
  weights?: readonly number[] | null,
): LossDefinition {
  const list: readonly LossSpec[] = Array.isArray(loss) ? loss : [loss as LossSpec];
  if (list.length === 0) throw new TrainConfigError("loss", [], "at least one loss");
  if (weights !== undefined && weights !== null) {
    if (weights.length !== list.length) {
      throw new TrainConfigError("lossWeights", weights, `one weight per loss (${list.length})`);
    }
    for (const w of weights) {
      if (typeof w !== "number" || !Number.isFinite(w)) {
        throw new TrainConfigError("lossWeights", weights, "finite numbers");
      }
    }
  }
  const definitions = list.map((l, k) => resolveOne(l, list.length === 1 ? "loss" : `loss[${k}]`));
  const ws = weights ?? list.map(() => 1);
  if (definitions.length === 1 && ws[0] === 1) return definitions[0] as LossDefinition;
  const parts = definitions.map((definition, k) => {
    if (definition.kind !== "paired") {
      throw new TrainConfigError(
        "loss",
        definitions.map((d) => d.name),
        `paired losses to sum (${definition.name} is unpaired: it trains alone, with weight 1)`,
      );
    }
    return { definition: definition as PairedLossDefinition, weight: ws[k] as number };
  });
  return weightedLossSum(parts);
}

/** A run's loss as its config records it: a TRL name, or the list of names of a weighted sum. */
export function lossNames(definition: LossDefinition): string | string[] {
  if (definition.kind === "paired" && definition.coupling === "weighted-sum" && definition.parts) {
    return definition.parts.map((p) => p.definition.name);
  }
  return definition.name;
}

/** The weights a run's config records: those of a weighted sum, else null (one loss, weight 1). */
export function lossWeightsOf(definition: LossDefinition): number[] | null {
  if (definition.kind === "paired" && definition.coupling === "weighted-sum" && definition.parts) {
    return definition.parts.map((p) => p.weight);
  }
  return null;
}
