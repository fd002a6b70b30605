import type {
  PairedLossDefinition,
  PairedTerms,
  UnpairedLossDefinition,
  UnpairedTerms,
} from "@apo/losses/define";
import type { FloatType } from "../models/model-family.js";
import type { GraphBuilder } from "../onnx/builder.js";
import { fullTensor } from "../onnx/tensor.js";
import { GraphLossMath } from "./graph-loss-math.js";

/** Names of the tensors a paired loss emits, each of shape `[batch]` except `mean`. */
export interface EmittedPairedLoss {
  /** Per-example losses. */
  losses: string;
  /** Batch mean (a scalar): the training objective. */
  mean: string;
  /** ∂losses[i]/∂policyChosen[i]. */
  gradChosen: string;
  /** ∂losses[i]/∂policyRejected[i]. */
  gradRejected: string;
}

/**
 * Emits a paired loss from its `@apo/losses` definition: the same formula the JavaScript function runs,
 * written as ONNX nodes over `[batch]` tensors. The closed-form gradients are the upstream gradients of the
 * log-prob graph's backward pass (divide by the batch size for the mean).
 *
 * @example
 * ```ts
 * const out = emitPairedLoss(g, apoZero, { beta: 0.1 }, { policyChosen: c, policyRejected: r, ... }, "float32");
 * ```
 */
export function emitPairedLoss<P extends object>(
  g: GraphBuilder,
  definition: PairedLossDefinition<P>,
  params: P,
  inputs: PairedTerms<string>,
  dtype: FloatType,
): EmittedPairedLoss {
  definition.validate(params);
  if (definition.coupling !== "none") return emitRankCoupled(g, definition, params, inputs, dtype);
  const out = g.scoped(`loss_${definition.name}`, () =>
    definition.terms(new GraphLossMath(g, dtype), inputs, params),
  );
  const like = inputs.policyChosen;
  const losses = perExample(g, out.loss, like);
  return {
    losses,
    mean: g.op("ReduceMean", [losses], { keepdims: 0 }),
    gradChosen: perExample(g, out.gradChosen, like),
    gradRejected: perExample(g, out.gradRejected, like),
  };
}

/**
 * AOT's batch couplings in the graph, as `@apo/losses` runs them: two quantities are sorted over the
 * batch (`TopK` ascending, which breaks ties by index like a stable sort) and matched by rank, the
 * definition's formula runs on the matched pairs, and each rank's gradient goes back to the example it
 * came from (`ScatterElements` through the sort permutation). `losses[k]` is the loss at rank k.
 *
 * ```text
 * sorted-margins:     δ_k = sort(c − r)_k − sort(c0 − r0)_k    ∂/∂r = −∂/∂c
 * sorted-log-ratios:  δ_k = sort(c − c0)_k − sort(r − r0)_k
 * ```
 */
function emitRankCoupled<P extends object>(
  g: GraphBuilder,
  definition: PairedLossDefinition<P>,
  params: P,
  inputs: PairedTerms<string>,
  dtype: FloatType,
): EmittedPairedLoss {
  return g.scoped(`loss_${definition.name}`, () => {
    const { policyChosen: c, policyRejected: r, referenceChosen: c0, referenceRejected: r0 } = inputs;
    const margins = definition.coupling === "sorted-margins";
    const first = g.op("Sub", margins ? [c, r] : [c, c0]);
    const second = g.op("Sub", margins ? [c0, r0] : [r, r0]);
    const size = g.op("Shape", [first]);
    const sort = (x: string) => {
      const [values = "", order = ""] = g.opN("TopK", [x, size], 2, { axis: 0, largest: 0, sorted: 1 });
      return { values, order };
    };
    const a = sort(first);
    const b = sort(second);
    const m = new GraphLossMath(g, dtype);
    const zero = m.constant(0);
    const one = m.constant(1);
    const out = definition.terms(
      m,
      {
        policyChosen: a.values,
        policyRejected: margins ? zero : b.values,
        referenceChosen: margins ? b.values : zero,
        referenceRejected: zero,
        chosenLength: one,
        rejectedLength: one,
      },
      params,
    );
    const zeros = g.op("ConstantOfShape", [size], { value: fullTensor(0, [1], dtype) });
    const unsort = (rankGrad: string, order: string) =>
      g.op("ScatterElements", [zeros, order, perExample(g, rankGrad, first)], { axis: 0 });
    const losses = perExample(g, out.loss, first);
    const gradChosen = unsort(out.gradChosen, a.order);
    return {
      losses,
      mean: g.op("ReduceMean", [losses], { keepdims: 0 }),
      gradChosen,
      gradRejected: margins ? g.op("Neg", [gradChosen]) : unsort(out.gradRejected, b.order),
    };
  });
}

/** Names of the tensors an unpaired loss emits. */
export interface EmittedUnpairedLoss {
  losses: string;
  mean: string;
  grad: string;
}

/**
 * Emits an unpaired (KTO-format) loss from its `@apo/losses` definition; `inputs.kl` is a detached tensor
 * (a scalar or `[batch]`), `inputs.desirable` is 1/0 in the loss dtype.
 */
export function emitUnpairedLoss<P extends object>(
  g: GraphBuilder,
  definition: UnpairedLossDefinition<P>,
  params: P,
  inputs: UnpairedTerms<string>,
  dtype: FloatType,
): EmittedUnpairedLoss {
  definition.validate(params);
  const out = g.scoped(`loss_${definition.name}`, () =>
    definition.terms(new GraphLossMath(g, dtype), inputs, params),
  );
  const losses = perExample(g, out.loss, inputs.policy);
  return {
    losses,
    mean: g.op("ReduceMean", [losses], { keepdims: 0 }),
    grad: perExample(g, out.grad, inputs.policy),
  };
}

/** A definition may return a constant (SFT's gradient −1): broadcast it to the batch shape. */
function perExample(g: GraphBuilder, value: string, like: string): string {
  return g.typeOf(value)?.shape?.length === 0 ? g.op("Expand", [value, g.op("Shape", [like])]) : value;
}
