import type { LossDefinition } from "../definition.js";
import { aot } from "./aot.js";
import { aotUnpaired } from "./aot-unpaired.js";
import { apoAnchored } from "./apo-anchored.js";
import { apoDown } from "./apo-down.js";
import { apoZero } from "./apo-zero.js";
import { apoZeroUnpaired } from "./apo-zero-unpaired.js";
import { bcoPair } from "./bco-pair.js";
import { cpo } from "./cpo.js";
import { discopop } from "./discopop.js";
import { exoPair } from "./exo-pair.js";
import { hinge } from "./hinge.js";
import { ipo } from "./ipo.js";
import { kto } from "./kto.js";
import { ktoPair } from "./kto-pair.js";
import { ncaPair } from "./nca-pair.js";
import { orpo } from "./orpo.js";
import { robust } from "./robust.js";
import { sft } from "./sft.js";
import { sigmoidLoss } from "./sigmoid.js";
import { sigmoidNorm } from "./sigmoid-norm.js";
import { simpo } from "./simpo.js";
import { sppoHard } from "./sppo-hard.js";

/**
 * Every loss, keyed by TRL's `loss_type` name (TRL 1.13's DPOTrainer, KTOTrainer and CPOTrainer, plus the
 * paper's `kto_pair` and `apo_anchored`, its APO variant chosen per pair). Adding a loss is one file in this folder plus one line here. A deprecated alias maps
 * an old name to the same definition object (see {@link DEPRECATED_LOSS_NAMES}).
 */
export const LOSSES = {
  apo_zero: apoZero,
  apo_down: apoDown,
  apo_anchored: apoAnchored,
  sigmoid: sigmoidLoss,
  hinge,
  ipo,
  exo_pair: exoPair,
  nca_pair: ncaPair,
  robust,
  bco_pair: bcoPair,
  sppo_hard: sppoHard,
  discopop,
  sigmoid_norm: sigmoidNorm,
  sft,
  kto_pair: ktoPair,
  aot,
  aot_unpaired: aotUnpaired,
  /** @deprecated Our former name of TRL's `aot_unpaired`: the same definition (its `name` is `aot_unpaired`). */
  aot_pair: aotUnpaired,
  cpo,
  simpo,
  orpo,
  kto,
  apo_zero_unpaired: apoZeroUnpaired,
} as const satisfies Record<string, LossDefinition>;

/** Registry keys kept for old configurations, and the TRL name each is an alias of. */
export const DEPRECATED_LOSS_NAMES = { aot_pair: "aot_unpaired" } as const satisfies Record<
  string,
  keyof typeof LOSSES
>;

/** TRL `loss_type` names of every registered loss. */
export type LossName = keyof typeof LOSSES;

/** Names of the losses over preference pairs. */
export type PairedLossName = {
  [K in LossName]: (typeof LOSSES)[K]["kind"] extends "paired" ? K : never;
}[LossName];

/** Names of the losses over unpaired (KTO-format) examples. */
export type UnpairedLossName = Exclude<LossName, PairedLossName>;
