import type {
  BatchMeans,
  PairedLossDefinition,
  PairedTerms,
  UnpairedLossDefinition,
  UnpairedTerms,
} from "@apo/losses/define";
import type { FloatType } from "../models/model-family.js";
import type { GraphBuilder } from "../onnx/builder.js";
import { fullTensor } from "../onnx/tensor.js";
import { GraphLossMath } from "./graph-loss-math.js";
import { TrainConfigError } from "./train-config-error.js";

/** Names of the tensors a paired loss emits, each of shape `[batch]` except `mean`. */
export interface EmittedPairedLoss {
  /** Per-example losses. */
  losses: string;
  /** Batch mean (a scalar): the training objective. */
  mean: string;
  /** ∂(Σⱼ losses[j])/∂policyChosen[i] (∂losses[i]/∂policyChosen[i] for a separable loss). */
  gradChosen: string;
  /** ∂(Σⱼ losses[j])/∂policyRejected[i]. */
  gradRejected: string;
}

/**
 * Emits a paired loss from its `@apo/losses` definition: the same formula the JavaScript function runs,
 * written as ONNX nodes over `[batch]` tensors, with the definition's batch coupling: AOT's rank sorting,
 * the batch means that `sft`, `cpo`, `simpo` (token-mean NLL) and `kto_pair` (detached anchors) read, or a
 * weighted sum of parts (TRL's `loss_type` list with `loss_weights`). The closed-form gradients are the
 * upstream gradients of the log-prob graph's backward pass (divide by the batch size for the mean).
 * `inputs.anchorDown` is the per-pair anchor weights `[batch]` of a loss that reads them (`apo_anchored`),
 * a scalar 0 for the others.
 *
 * ```text
 * batch means:   mean_i cᵢ, ℓcᵢ, Δcᵢ, …  = ReduceMean over the batch (scalars, broadcast by the formula)
 * weighted sum:  losses = Σₖ wₖ lossesₖ,  mean = Σₖ wₖ meanₖ,  grad = Σₖ wₖ gradₖ
 * ```
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
  if (definition.coupling === "weighted-sum") return emitWeightedSum(g, definition, params, inputs, dtype);
  if (definition.coupling === "sorted-margins" || definition.coupling === "sorted-log-ratios") {
    return emitRankCoupled(g, definition, params, inputs, dtype);
  }
  const out = g.scoped(`loss_${definition.name}`, () =>
    definition.terms(new GraphLossMath(g, dtype), inputs, params, graphBatchMeans(g, inputs)),
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
 * The batch means of `@apo/losses`' `BatchMeans`, each a `ReduceMean` emitted on first use (a definition
 * that reads none adds no node). Log-ratios are taken per example first, as the JavaScript runner does.
 */
function graphBatchMeans(g: GraphBuilder, x: PairedTerms<string>): BatchMeans<string> {
  const cache = new Map<string, string>();
  const mean = (key: string, of: () => string): string => {
    let name = cache.get(key);
    if (name === undefined) {
      name = g.op("ReduceMean", [of()], { keepdims: 0 });
      cache.set(key, name);
    }
    return name;
  };
  return {
    get policyChosen() {
      return mean("c", () => x.policyChosen);
    },
    get policyRejected() {
      return mean("r", () => x.policyRejected);
    },
    get chosenLength() {
      return mean("lc", () => x.chosenLength);
    },
    get rejectedLength() {
      return mean("lr", () => x.rejectedLength);
    },
    get chosenLogRatio() {
      return mean("dc", () => g.op("Sub", [x.policyChosen, x.referenceChosen]));
    },
    get rejectedLogRatio() {
      return mean("dr", () => g.op("Sub", [x.policyRejected, x.referenceRejected]));
    },
  };
}

/** A part's parameters: its defaults, overridden by the names of the sum's shared record it knows. */
function partParams(definition: PairedLossDefinition, params: object): Record<string, number> {
  const all = params as Record<string, number>;
  const out: Record<string, number> = { ...(definition.defaults as Record<string, number>) };
  for (const key of Object.keys(out)) if (key in all) out[key] = all[key] as number;
  return out;
}

/** A `"weighted-sum"` definition: every part emitted with its own coupling, then added with its weight. */
function emitWeightedSum<P extends object>(
  g: GraphBuilder,
  definition: PairedLossDefinition<P>,
  params: P,
  inputs: PairedTerms<string>,
  dtype: FloatType,
): EmittedPairedLoss {
  const parts = definition.parts ?? [];
  if (parts.length === 0) throw new TrainConfigError("loss", definition.name, "a weighted sum with parts");
  let sum: EmittedPairedLoss | undefined;
  for (const [k, part] of parts.entries()) {
    const out = g.scoped(`part${k}`, () =>
      emitPairedLoss(g, part.definition, partParams(part.definition, params), inputs, dtype),
    );
    const w = g.scalar(part.weight, dtype);
    const scale = (x: string) => (part.weight === 1 ? x : g.op("Mul", [w, x]));
    const scaled: EmittedPairedLoss = {
      losses: scale(out.losses),
      mean: scale(out.mean),
      gradChosen: scale(out.gradChosen),
      gradRejected: scale(out.gradRejected),
    };
    sum =
      sum === undefined
        ? scaled
        : {
            losses: g.op("Add", [sum.losses, scaled.losses]),
            mean: g.op("Add", [sum.mean, scaled.mean]),
            gradChosen: g.op("Add", [sum.gradChosen, scaled.gradChosen]),
            gradRejected: g.op("Add", [sum.gradRejected, scaled.gradRejected]),
          };
  }
  return sum as EmittedPairedLoss;
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
        anchorDown: zero,
      },
      params,
      graphBatchMeans(g, inputs),
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
