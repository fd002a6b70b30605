import type { GradientRule } from "../gradient-rule.js";
import { absGrad } from "./abs-grad.js";
import { addGrad } from "./add-grad.js";
import { castGrad } from "./cast-grad.js";
import { clipGrad } from "./clip-grad.js";
import { concatGrad } from "./concat-grad.js";
import { cosGrad } from "./cos-grad.js";
import { cumSumGrad } from "./cum-sum-grad.js";
import { divGrad } from "./div-grad.js";
import { dropoutGrad } from "./dropout-grad.js";
import { erfGrad } from "./erf-grad.js";
import { expGrad } from "./exp-grad.js";
import { expandGrad } from "./expand-grad.js";
import { flattenGrad } from "./flatten-grad.js";
import { gatherElementsGrad } from "./gather-elements-grad.js";
import { gatherGrad } from "./gather-grad.js";
import { gemmGrad } from "./gemm-grad.js";
import { identityGrad } from "./identity-grad.js";
import { layerNormalizationGrad } from "./layer-normalization-grad.js";
import { logGrad } from "./log-grad.js";
import { logSoftmaxGrad } from "./log-softmax-grad.js";
import { matmulGrad } from "./matmul-grad.js";
import { maxGrad } from "./max-grad.js";
import { minGrad } from "./min-grad.js";
import { mulGrad } from "./mul-grad.js";
import { negGrad } from "./neg-grad.js";
import { padGrad } from "./pad-grad.js";
import { powGrad } from "./pow-grad.js";
import { reciprocalGrad } from "./reciprocal-grad.js";
import { reduceLogSumExpGrad } from "./reduce-log-sum-exp-grad.js";
import { reduceMaxGrad } from "./reduce-max-grad.js";
import { reduceMeanGrad } from "./reduce-mean-grad.js";
import { reduceSumGrad } from "./reduce-sum-grad.js";
import { reduceSumSquareGrad } from "./reduce-sum-square-grad.js";
import { reluGrad } from "./relu-grad.js";
import { reshapeGrad } from "./reshape-grad.js";
import { sigmoidGrad } from "./sigmoid-grad.js";
import { sinGrad } from "./sin-grad.js";
import { sliceGrad } from "./slice-grad.js";
import { softmaxGrad } from "./softmax-grad.js";
import { softplusGrad } from "./softplus-grad.js";
import { splitGrad } from "./split-grad.js";
import { sqrtGrad } from "./sqrt-grad.js";
import { squeezeGrad } from "./squeeze-grad.js";
import { subGrad } from "./sub-grad.js";
import { sumGrad } from "./sum-grad.js";
import { tanhGrad } from "./tanh-grad.js";
import { transposeGrad } from "./transpose-grad.js";
import { unsqueezeGrad } from "./unsqueeze-grad.js";
import { whereGrad } from "./where-grad.js";

/**
 * Every op gradient rule, by ONNX op type: one line per op. Adding an op is one file
 * (`<op>-grad.ts` exporting a {@link GradientRule}) plus one line here; the folder's generic test fails
 * if a file is not registered or a rule has no finite-difference case.
 *
 * @example
 * ```ts
 * const rule = GRADIENTS.MatMul; // { opType: "MatMul", gradient }
 * ```
 */
export const GRADIENTS = {
  Pad: padGrad,
  CumSum: cumSumGrad,
  Dropout: dropoutGrad,
  Clip: clipGrad,
  Softplus: softplusGrad,
  ReduceSumSquare: reduceSumSquareGrad,
  ReduceLogSumExp: reduceLogSumExpGrad,
  ReduceMax: reduceMaxGrad,
  Min: minGrad,
  Max: maxGrad,
  Abs: absGrad,
  Add: addGrad,
  Cast: castGrad,
  Concat: concatGrad,
  Cos: cosGrad,
  Div: divGrad,
  Erf: erfGrad,
  Exp: expGrad,
  Expand: expandGrad,
  Flatten: flattenGrad,
  Gather: gatherGrad,
  GatherElements: gatherElementsGrad,
  Gemm: gemmGrad,
  Identity: identityGrad,
  LayerNormalization: layerNormalizationGrad,
  Log: logGrad,
  LogSoftmax: logSoftmaxGrad,
  MatMul: matmulGrad,
  Mul: mulGrad,
  Neg: negGrad,
  Pow: powGrad,
  Reciprocal: reciprocalGrad,
  ReduceMean: reduceMeanGrad,
  ReduceSum: reduceSumGrad,
  Relu: reluGrad,
  Reshape: reshapeGrad,
  Sigmoid: sigmoidGrad,
  Sin: sinGrad,
  Slice: sliceGrad,
  Softmax: softmaxGrad,
  Split: splitGrad,
  Sqrt: sqrtGrad,
  Squeeze: squeezeGrad,
  Sub: subGrad,
  Sum: sumGrad,
  Tanh: tanhGrad,
  Transpose: transposeGrad,
  Unsqueeze: unsqueezeGrad,
  Where: whereGrad,
} as const satisfies Record<string, GradientRule>;

/** Op types that have a gradient rule. */
export type DifferentiableOp = keyof typeof GRADIENTS;
