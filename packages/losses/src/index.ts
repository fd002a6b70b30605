export type {
  PairedBatch,
  PairedLossResult,
  ReferenceFreeBatch,
  UnpairedBatch,
  UnpairedLossResult,
} from "./batch.js";
export { combineLosses, type WeightedLoss } from "./combine-losses.js";
export { computeLoss, getLoss, type LossParamsOf } from "./compute-loss.js";
export {
  type BatchCoupling,
  definePairedLoss,
  defineUnpairedLoss,
  type LossDefinition,
  type LossParams,
  type PairedLossDefinition,
  type PairedTerms,
  type PairedTermsOutput,
  type RewardKind,
  type UnpairedLossDefinition,
  type UnpairedTerms,
  type UnpairedTermsOutput,
} from "./definition.js";
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
export { type AotParams, aot, aotLoss } from "./losses/aot.js";
export { aotPair, aotUnpairedLoss } from "./losses/aot-pair.js";
export { type ApoDownParams, apoDown, apoDownLoss } from "./losses/apo-down.js";
export { type ApoZeroParams, apoZero, apoZeroLoss } from "./losses/apo-zero.js";
export {
  type ApoZeroUnpairedParams,
  apoZeroUnpaired,
  apoZeroUnpairedLoss,
} from "./losses/apo-zero-unpaired.js";
export { type BcoPairParams, bcoPair, bcoPairLoss } from "./losses/bco-pair.js";
export { type CpoParams, cpo, cpoLoss } from "./losses/cpo.js";
export { type DiscopopParams, discopop, discopopLoss } from "./losses/discopop.js";
export { type ExoPairParams, exoPair, exoPairLoss } from "./losses/exo-pair.js";
export { type HingeParams, hinge, hingeLoss } from "./losses/hinge.js";
export { LOSSES, type LossName, type PairedLossName, type UnpairedLossName } from "./losses/index.js";
export { type IpoParams, ipo, ipoLoss } from "./losses/ipo.js";
export { type KtoParams, kto, ktoLoss } from "./losses/kto.js";
export { type KtoPairParams, ktoPair, ktoPairLoss } from "./losses/kto-pair.js";
export { type NcaPairParams, ncaPair, ncaPairLoss } from "./losses/nca-pair.js";
export { type OrpoParams, orpo, orpoLoss } from "./losses/orpo.js";
export { type RobustParams, robust, robustLoss } from "./losses/robust.js";
export { type SftParams, sft, sftLoss } from "./losses/sft.js";
export { dpoLoss, type SigmoidParams, sigmoidLoss } from "./losses/sigmoid.js";
export { type SigmoidNormParams, sigmoidNorm, sigmoidNormLoss } from "./losses/sigmoid-norm.js";
export { type SimpoParams, simpo, simpoLoss } from "./losses/simpo.js";
export { type SppoHardParams, sppoHard, sppoHardLoss } from "./losses/sppo-hard.js";
export type { LossMath } from "./math/loss-math.js";
export { numberMath } from "./math/number-math.js";
export { logSigmoid } from "./ops/log-sigmoid.js";
export { log1mexp } from "./ops/log1mexp.js";
export { sigmoid } from "./ops/sigmoid.js";
export { sigmoidPrime } from "./ops/sigmoid-prime.js";
export { softplus } from "./ops/softplus.js";
export { runPairedLoss } from "./run-paired-loss.js";
export { runUnpairedLoss } from "./run-unpaired-loss.js";
