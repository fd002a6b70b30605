// The root entry: what users call (one function per loss, dispatch by name, weighted sums), its option,
// batch, result and error types. Loss definitions and the math interface they are written against are in
// `@apo/losses/define`; gradient-check helpers in `@apo/losses/testing`.
export type {
  PairedBatch,
  PairedLossResult,
  ReferenceFreeBatch,
  UnpairedBatch,
  UnpairedLossResult,
} from "./batch.js";
export { combineLosses, type WeightedLoss } from "./combine-losses.js";
export { computeLoss, type LossParamsOf } from "./compute-loss.js";
export {
  LossDomainError,
  LossEmptyBatchError,
  LossError,
  type LossErrorCode,
  LossInvalidLengthError,
  LossLengthMismatchError,
  LossMissingInputError,
  LossNonFiniteInputError,
  LossOverflowError,
  LossParameterError,
  UnknownLossError,
} from "./errors.js";
export { estimateKl, type MismatchedLogProbs } from "./estimate-kl.js";
export { type AotParams, aotLoss } from "./losses/aot.js";
export { aotUnpairedLoss } from "./losses/aot-unpaired.js";
export { type ApoAnchoredParams, apoAnchoredLoss } from "./losses/apo-anchored.js";
export { type ApoDownParams, apoDownLoss } from "./losses/apo-down.js";
export { type ApoZeroParams, apoZeroLoss } from "./losses/apo-zero.js";
export { type ApoZeroUnpairedParams, apoZeroUnpairedLoss } from "./losses/apo-zero-unpaired.js";
export { type BcoPairParams, bcoPairLoss } from "./losses/bco-pair.js";
export { type CpoParams, cpoLoss } from "./losses/cpo.js";
export { type DiscopopParams, discopopLoss } from "./losses/discopop.js";
export { type ExoPairParams, exoPairLoss } from "./losses/exo-pair.js";
export { type HingeParams, hingeLoss } from "./losses/hinge.js";
export {
  DEPRECATED_LOSS_NAMES,
  LOSSES,
  type LossName,
  type PairedLossName,
  type UnpairedLossName,
} from "./losses/index.js";
export { type IpoParams, ipoLoss } from "./losses/ipo.js";
export { type KtoParams, ktoLoss } from "./losses/kto.js";
export { type KtoPairParams, ktoPairLoss } from "./losses/kto-pair.js";
export { type NcaPairParams, ncaPairLoss } from "./losses/nca-pair.js";
export { type OrpoParams, orpoLoss } from "./losses/orpo.js";
export { type RobustParams, robustLoss } from "./losses/robust.js";
export { type SftParams, sftLoss } from "./losses/sft.js";
export { dpoLoss, type SigmoidParams } from "./losses/sigmoid.js";
export { type SigmoidNormParams, sigmoidNormLoss } from "./losses/sigmoid-norm.js";
export { type SimpoParams, simpoLoss } from "./losses/simpo.js";
export { type SppoHardParams, sppoHardLoss } from "./losses/sppo-hard.js";
