// `@apo/losses/define`: the toolkit for defining a loss once for every backend and running a definition.
// `@apo/trainer` implements `LossMath` over ONNX tensors and emits these same definitions into its graphs.
export { getLoss } from "./compute-loss.js";
export {
  type BatchCoupling,
  type BatchMeans,
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
  type WeightedLossPart,
} from "./definition.js";
export { aot } from "./losses/aot.js";
export { aotPair, aotUnpaired } from "./losses/aot-unpaired.js";
export { apoAnchored } from "./losses/apo-anchored.js";
export { apoDown } from "./losses/apo-down.js";
export { apoZero } from "./losses/apo-zero.js";
export { apoZeroUnpaired } from "./losses/apo-zero-unpaired.js";
export { bcoPair } from "./losses/bco-pair.js";
export { cpo } from "./losses/cpo.js";
export { discopop } from "./losses/discopop.js";
export { exoPair } from "./losses/exo-pair.js";
export { hinge } from "./losses/hinge.js";
export { ipo } from "./losses/ipo.js";
export { kto } from "./losses/kto.js";
export { ktoPair } from "./losses/kto-pair.js";
export { ncaPair } from "./losses/nca-pair.js";
export { orpo } from "./losses/orpo.js";
export { robust } from "./losses/robust.js";
export { sft } from "./losses/sft.js";
export { sigmoidLoss } from "./losses/sigmoid.js";
export { sigmoidNorm } from "./losses/sigmoid-norm.js";
export { simpo } from "./losses/simpo.js";
export { sppoHard } from "./losses/sppo-hard.js";
export type { LossMath } from "./math/loss-math.js";
export { numberMath } from "./math/number-math.js";
export { logSigmoid } from "./ops/log-sigmoid.js";
export { log1mexp } from "./ops/log1mexp.js";
export { sigmoid } from "./ops/sigmoid.js";
export { sigmoidPrime } from "./ops/sigmoid-prime.js";
export { softplus } from "./ops/softplus.js";
export { runPairedLoss } from "./run-paired-loss.js";
export { runUnpairedLoss } from "./run-unpaired-loss.js";
export { weightedLossSum } from "./weighted-loss-sum.js";
