import type { PairedLossDefinition, PairedTerms, UnpairedLossDefinition, UnpairedTerms } from "@apo/losses";
import { ApoError } from "../errors.js";
import type { GraphBuilder } from "../onnx/builder.js";
import { GraphLossMath, type LossDtype } from "./graph-loss-math.js";

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

/** A loss that cannot be emitted into a graph (yet). */
export class UnsupportedLossError extends ApoError {
  readonly loss: string;
  constructor(loss: string, reason: string) {
    super("UNSUPPORTED_LOSS", `loss ${loss} cannot be emitted into an ONNX graph: ${reason}`);
    this.loss = loss;
  }
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
  dtype: LossDtype,
): EmittedPairedLoss {
  if (definition.coupling !== "none") {
    throw new UnsupportedLossError(definition.name, "it couples examples by sorting them over the batch");
  }
  definition.validate(params);
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
  dtype: LossDtype,
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
