import type { FloatType } from "../models/model-family.js";
import { GraphBuilder } from "../onnx/builder.js";
import type { Model } from "../onnx/types.js";
import type { OptimizerDefinition } from "./optimizers/optimizer-definition.js";
import { clippedGradName, emitOptimizerUpdate, TRAIN_STEP_IO } from "./train-step-graph.js";

/**
 * The one weight the update graph is written for: its inputs and outputs carry the training step's names
 * of a weight called `weight` (`weight`, `clipped_grad/weight`, `state/<slot>/weight`, `lr`, `step` →
 * `updated/weight`, `updated_state/<slot>/weight`).
 */
export const UPDATE_WEIGHT = "weight";

/** A built optimizer-update graph and what is needed to feed it. */
export interface UpdateGraphArtifact {
  model: Model;
  /** Optimizer state slot names, one `[n]` input and output each. */
  stateSlots: readonly string[];
  dtype: FloatType;
}

/**
 * Builds the optimizer update of one flattened weight as its own graph, from the same `optimizer.emit` the
 * training-step graph inlines, so the arithmetic (and every bit of the result) is that of the in-graph
 * update. The length n is symbolic: one opened graph updates every weight, or any slice of one (the
 * update is elementwise).
 *
 * ```text
 * inputs : weight [n], clipped_grad/weight [n], state/<slot>/weight [n] (each slot), lr [], step []
 * outputs: updated/weight [n], updated_state/<slot>/weight [n]
 *          θ', state' = optimizer(θ, ĝ, state, lr, step)
 * ```
 * @example
 * ```ts
 * const update = buildUpdateGraph(rmsprop, { alpha: 0.99, eps: 1e-8, weightDecay: 0 }, "float32");
 * // update.stateSlots: ["square_avg"]
 * ```
 */
export function buildUpdateGraph<C extends object>(
  optimizer: OptimizerDefinition<C>,
  optimizerConfig: C,
  dtype: FloatType,
): UpdateGraphArtifact {
  const g = new GraphBuilder({ name: `update_${optimizer.name}` });
  const shape = ["n"];
  const weight = g.input(UPDATE_WEIGHT, dtype, shape);
  const grad = g.input(clippedGradName(UPDATE_WEIGHT), dtype, shape);
  const lr = g.input(TRAIN_STEP_IO.lr, dtype, []);
  const step = g.input(TRAIN_STEP_IO.step, dtype, []);
  emitOptimizerUpdate(g, optimizer, optimizerConfig, dtype, { weight, grad, shape, lr, step });
  const slots = optimizer.stateNames(optimizerConfig);
  return { model: g.toModel(), stateSlots: slots, dtype };
}
