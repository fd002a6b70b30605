import { noBatchMeans } from "./batch-means.js";
import type { PairedLossDefinition } from "./definition.js";
import { JsSourceMath, KERNEL_HELPERS } from "./math/js-source-math.js";
import { logSigmoid } from "./ops/log-sigmoid.js";
import { log1mexp } from "./ops/log1mexp.js";
import { sigmoid } from "./ops/sigmoid.js";
import { sigmoidPrime } from "./ops/sigmoid-prime.js";
import { softplus } from "./ops/softplus.js";

/** Which optional inputs a kernel reads; each combination is compiled separately. */
export interface KernelShape {
  hasReference: boolean;
  hasLengths: boolean;
  hasAnchorDown: boolean;
}

/** Arrays a kernel reads and writes; `sums[0]` receives Σ losses and `sums[1]` Σ gradients. */
export interface KernelArgs {
  policyChosen: ArrayLike<number>;
  policyRejected: ArrayLike<number>;
  referenceChosen: ArrayLike<number> | undefined;
  referenceRejected: ArrayLike<number> | undefined;
  chosenLength: ArrayLike<number> | undefined;
  rejectedLength: ArrayLike<number> | undefined;
  anchorDown: ArrayLike<number> | undefined;
  losses: Float64Array;
  gradChosen: Float64Array;
  gradRejected: Float64Array;
  chosenRewards: Float64Array;
  rejectedRewards: Float64Array;
  sums: Float64Array;
}

/**
 * A compiled loop over a batch. Returns −1, or the index of the first example whose inputs are not all
 * finite (the caller then names the field).
 */
export type PairedKernel = (n: number, args: KernelArgs) => number;

const HELPERS = { softplus, sigmoid, logSigmoid, sigmoidPrime, log1mexp } satisfies Record<
  (typeof KERNEL_HELPERS)[number],
  (x: number) => number
>;
const cache = new WeakMap<PairedLossDefinition, Map<string, PairedKernel>>();
const MAX_KERNELS_PER_LOSS = 32;

/**
 * Compiles a paired definition with fixed parameters into one float64 loop: the definition runs once
 * through {@link JsSourceMath}, and the statements it writes become the loop body. The result computes
 * exactly what interpreting the definition with `numberMath` computes (same operations, same order), at
 * the speed of a hand-written loop. Kernels are cached per definition, parameters and shape.
 */
export function compilePairedKernel<P extends object>(
  definition: PairedLossDefinition<P>,
  params: P,
  beta: number,
  shape: KernelShape,
): PairedKernel {
  const key = `${JSON.stringify(params)}|${beta}|${shape.hasReference}|${shape.hasLengths}|${shape.hasAnchorDown}`;
  let kernels = cache.get(definition as PairedLossDefinition);
  if (kernels === undefined) {
    kernels = new Map();
    cache.set(definition as PairedLossDefinition, kernels);
  }
  const hit = kernels.get(key);
  if (hit !== undefined) return hit;

  const js = new JsSourceMath();
  const out = definition.terms(
    js,
    {
      policyChosen: "ci",
      policyRejected: "ri",
      referenceChosen: "c0i",
      referenceRejected: "r0i",
      chosenLength: "lci",
      rejectedLength: "lri",
      anchorDown: "ai",
    },
    params,
    noBatchMeans<string>(definition.name),
  );
  const b = String(beta);
  const rewards = {
    "log-ratio": [`${b} * (ci - c0i)`, `${b} * (ri - r0i)`],
    "log-prob": [`${b} * ci`, `${b} * ri`],
    "average-log-prob": [`(${b} * ci) / lci`, `(${b} * ri) / lri`],
  }[definition.rewards];
  const source = `
"use strict";
return function ${definition.name}Kernel(n, a) {
  const c = a.policyChosen, r = a.policyRejected, c0 = a.referenceChosen, r0 = a.referenceRejected;
  const lc = a.chosenLength, lr = a.rejectedLength, ad = a.anchorDown;
  const losses = a.losses, gc = a.gradChosen, gr = a.gradRejected, rc = a.chosenRewards, rr = a.rejectedRewards;
  let lossSum = 0, gradSum = 0;
  for (let i = 0; i < n; i++) {
    const ci = c[i], ri = r[i];
    const c0i = ${shape.hasReference ? "c0[i]" : "0"}, r0i = ${shape.hasReference ? "r0[i]" : "0"};
    const lci = ${shape.hasLengths ? "lc[i]" : "1"}, lri = ${shape.hasLengths ? "lr[i]" : "1"};
    const ai = ${shape.hasAnchorDown ? "ad[i]" : "0"};
    const s = ci + ri + c0i + r0i;
    if (s - s !== 0) { a.sums[0] = lossSum; a.sums[1] = gradSum; return i; }
    ${js.statements.join("\n    ")}
    losses[i] = ${out.loss};
    gc[i] = ${out.gradChosen};
    gr[i] = ${out.gradRejected};
    rc[i] = ${rewards[0]};
    rr[i] = ${rewards[1]};
    lossSum += ${out.loss};
    gradSum += ${out.gradChosen} + ${out.gradRejected};
  }
  a.sums[0] = lossSum;
  a.sums[1] = gradSum;
  return -1;
};`;
  const factory = new Function(...KERNEL_HELPERS, source) as (
    ...helpers: Array<(x: number) => number>
  ) => PairedKernel;
  const kernel = factory(...KERNEL_HELPERS.map((name) => HELPERS[name]));
  if (kernels.size >= MAX_KERNELS_PER_LOSS) kernels.clear();
  kernels.set(key, kernel);
  return kernel;
}
