import type { FloatType } from "../../models/model-family.js";
import type { GraphBuilder } from "../../onnx/builder.js";

/** The tensors one weight's update reads, by name. */
export interface OptimizerSlot {
  weight: string;
  /** The (clipped) gradient of the objective for this weight. */
  grad: string;
  /** Current optimizer state tensors, keyed by the definition's state names. */
  state: Readonly<Record<string, string>>;
  /** Learning rate (a scalar input of the graph, so schedules need no new graph). */
  lr: string;
  /** 1-based step count as a float scalar (Adam's bias correction). */
  step: string;
}

/** What an update emits: the new weight and new state tensors. */
export interface OptimizerUpdate {
  weight: string;
  state: Record<string, string>;
}

/**
 * An optimizer written as ONNX nodes, applied weight by weight inside the training-step graph.
 * Adding one is a file in this folder plus a line in `OPTIMIZERS`.
 */
export interface OptimizerDefinition<C extends object = object> {
  readonly name: string;
  readonly defaults: C;
  /** Names of the per-weight state tensors (each shaped like the weight, zeros at start). */
  stateNames(config: C): readonly string[];
  /** Throws a `TrainConfigError` naming the field when a value is out of range. */
  validate(config: C): void;
  emit(g: GraphBuilder, dtype: FloatType, slot: OptimizerSlot, config: C): OptimizerUpdate;
}

/** Declares an optimizer with its config type inferred from `defaults`. */
export function defineOptimizer<C extends object>(
  definition: OptimizerDefinition<C>,
): OptimizerDefinition<C> {
  return definition;
}
