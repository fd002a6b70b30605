import type { PairedLossDefinition, PairedTerms, UnpairedLossDefinition } from "@apo/losses/define";
import type { FloatType } from "../models/model-family.js";
import type { GraphBuilder } from "../onnx/builder.js";
import { emitPairedLoss, emitUnpairedLoss } from "./emit-loss.js";

/** Graph input of the desirable (1) / undesirable (0) labels of an unpaired batch. */
export const LABELS_INPUT = "labels";

/**
 * Graph input of the per-pair anchor weights in [0, 1] (0: APO-zero, 1: APO-down), `[pairs]`, present when
 * the loss reads them (`apo_anchored`, or a weighted sum with such a part).
 */
export const ANCHOR_DOWN_INPUT = "anchor_down";

/** The per-row log-prob facts of the forward pass a loss is computed from. */
export interface ObjectiveInputs {
  /** Policy log-probs of every row, [rows]. */
  logp: string;
  /** Completion token counts of every row, [rows]. */
  tokens: string;
  /** Reference log-probs of every row, [rows]. */
  reference: string;
}

/** The training objective: its mean, per-example losses, and d mean / d logp for the backward pass. */
export interface EmittedObjective {
  mean: string;
  losses: string;
  /** [rows]: ∂mean/∂logp_row (zero for rows that only feed a detached statistic). */
  seed: string;
}

function count(g: GraphBuilder, x: string, dtype: FloatType): string {
  return g.cast(g.op("Shape", [x]), dtype);
}

/**
 * Emits a loss of `@apo/losses` over the rows of a batch.
 *
 * ```text
 * paired:   rows = [chosen (B) | rejected (B)];  seed = [∂L/∂c | ∂L/∂r] / B
 *           a loss that reads per-pair anchors gets them from the `anchor_down` input [B]
 * unpaired: rows = [completions (N) | mismatched (N), only when the loss uses KL]
 *           KL = max(0, mean(policy − reference over the mismatched rows)), detached
 *           seed = [∂L/∂policy / N | 0]
 * ```
 */
export function emitObjective(
  g: GraphBuilder,
  definition: PairedLossDefinition | UnpairedLossDefinition,
  params: Record<string, number>,
  inputs: ObjectiveInputs,
  dtype: FloatType,
): EmittedObjective {
  const halves = (x: string) => g.opN("Split", [x], 2, { axis: 0, num_outputs: 2 }) as [string, string];
  if (definition.kind === "paired") {
    const [c, r] = halves(inputs.logp);
    const [c0, r0] = halves(inputs.reference);
    const [lc, lr] = halves(inputs.tokens);
    // The anchors are an input only when the loss reads them; any other definition sees 0, as in
    // JavaScript (a constant emitted only if read, so other losses' graphs are unchanged).
    let anchorDown: string | undefined =
      definition.usesAnchorDown === true ? g.input(ANCHOR_DOWN_INPUT, dtype, ["pairs"]) : undefined;
    const terms: PairedTerms<string> = {
      policyChosen: c,
      policyRejected: r,
      referenceChosen: c0,
      referenceRejected: r0,
      chosenLength: lc,
      rejectedLength: lr,
      get anchorDown() {
        anchorDown ??= g.scalar(0, dtype);
        return anchorDown;
      },
    };
    const out = emitPairedLoss(g, definition, params, terms, dtype);
    const seed = g.op("Div", [
      g.op("Concat", [out.gradChosen, out.gradRejected], { axis: 0 }),
      count(g, c, dtype),
    ]);
    return { mean: out.mean, losses: out.losses, seed };
  }
  const desirable = g.input(LABELS_INPUT, dtype, ["examples"]);
  let policy = inputs.logp;
  let reference = inputs.reference;
  let kl = g.scalar(0, dtype);
  let mismatched: string | undefined;
  if (definition.usesKl) {
    const [p, pm] = halves(inputs.logp);
    const [q, qm] = halves(inputs.reference);
    [policy, reference, mismatched] = [p, q, pm];
    const gap = g.op("ReduceMean", [g.op("Sub", [pm, qm])], { keepdims: 0 });
    kl = g.op("Max", [gap, g.scalar(0, dtype)]);
  }
  const out = emitUnpairedLoss(g, definition, params, { policy, reference, desirable, kl }, dtype);
  const perExample = g.op("Div", [out.grad, count(g, policy, dtype)]);
  const seed =
    mismatched === undefined
      ? perExample
      : g.op("Concat", [perExample, g.op("Mul", [mismatched, g.scalar(0, dtype)])], { axis: 0 });
  return { mean: out.mean, losses: out.losses, seed };
}
