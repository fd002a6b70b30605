import type {
  PairedBatch,
  PairedLossResult,
  ReferenceFreeBatch,
  UnpairedBatch,
  UnpairedLossResult,
} from "./batch.js";
import type { LossDefinition } from "./definition.js";
import { UnknownLossError } from "./errors.js";
import { LOSSES, type LossName, type PairedLossName, type UnpairedLossName } from "./losses/index.js";
import { runPairedLoss } from "./run-paired-loss.js";
import { runUnpairedLoss } from "./run-unpaired-loss.js";

/** The parameter object of a registered loss. */
export type LossParamsOf<N extends LossName> = (typeof LOSSES)[N]["defaults"];

/**
 * Looks up a loss definition by its TRL `loss_type` name.
 * @example getLoss("apo_zero").defaults // { beta: 0.1 }
 */
export function getLoss<N extends LossName>(name: N): (typeof LOSSES)[N];
export function getLoss(name: string): LossDefinition;
export function getLoss(name: string): LossDefinition {
  if (!Object.hasOwn(LOSSES, name)) throw new UnknownLossError(name, Object.keys(LOSSES));
  return LOSSES[name as LossName];
}

/**
 * Computes any registered loss by name, as TRL's `loss_type` selects it.
 * @example
 * ```ts
 * computeLoss("apo_zero", batch, { beta: 0.2 }).loss;
 * computeLoss("kto", { policy, reference, label, kl: 0.1 }).grad;
 * ```
 */
export function computeLoss<N extends PairedLossName>(
  name: N,
  batch: PairedBatch | ReferenceFreeBatch,
  params?: Partial<LossParamsOf<N>>,
): PairedLossResult;
export function computeLoss<N extends UnpairedLossName>(
  name: N,
  batch: UnpairedBatch,
  params?: Partial<LossParamsOf<N>>,
): UnpairedLossResult;
export function computeLoss(
  name: string,
  batch: PairedBatch | ReferenceFreeBatch | UnpairedBatch,
  params?: Record<string, number>,
): PairedLossResult | UnpairedLossResult;
export function computeLoss(
  name: string,
  batch: PairedBatch | ReferenceFreeBatch | UnpairedBatch,
  params?: Record<string, number>,
): PairedLossResult | UnpairedLossResult {
  const definition = getLoss(name);
  return definition.kind === "paired"
    ? runPairedLoss(definition, batch as PairedBatch, params)
    : runUnpairedLoss(definition, batch as UnpairedBatch, params);
}
