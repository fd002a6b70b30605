import { adamw } from "./adamw.js";
import type { OptimizerDefinition } from "./optimizer-definition.js";
import { rmsprop } from "./rmsprop.js";
import { sgd } from "./sgd.js";

/** Every optimizer the training graph can emit. Adding one is a file in this folder plus one line here. */
export const OPTIMIZERS = {
  sgd,
  rmsprop,
  adamw,
} as const satisfies Record<string, OptimizerDefinition>;

/** Names of the registered optimizers. */
export type OptimizerName = keyof typeof OPTIMIZERS;
