import type { PretrainedModel } from "../models/pretrained-model.js";
import { GraphBuilder } from "../onnx/builder.js";
import { scalarTensor } from "../onnx/tensor.js";
import type { Graph, Model, Node, ValueInfo } from "../onnx/types.js";
import { TrainConfigError } from "./train-config-error.js";
import {
  buildTrainStep,
  stateInputName,
  TRAIN_STEP_IO,
  type TrainStepArtifact,
  type TrainStepOptions,
  updatedStateName,
  updatedWeightName,
} from "./train-step-graph.js";

/** Per-step batch inputs of the training step that the fused graph takes stacked over K steps. */
const STACKED = [
  "input_ids",
  "attention_mask",
  "completion_mask",
  TRAIN_STEP_IO.referenceLogp,
  TRAIN_STEP_IO.lr,
] as const;
/** Per-step outputs of the training step collected over the K steps (Loop scan outputs). */
const COLLECTED = [
  TRAIN_STEP_IO.loss,
  TRAIN_STEP_IO.gradNorm,
  TRAIN_STEP_IO.losses,
  TRAIN_STEP_IO.policyLogp,
  TRAIN_STEP_IO.tokens,
] as const;

/** Outer graph input holding the K stacked values of a per-step input. */
export const stackedInputName = (name: string): string => `steps/${name}`;
/** Outer graph input of a weight (or state tensor) before the K steps. */
export const initialName = (name: string): string => `initial/${name}`;
/** Outer graph output of a weight (or state tensor) after the K steps. */
export const finalName = (name: string): string => `final/${name}`;
/** Outer graph output collecting a per-step output over the K steps. */
export const collectedName = (name: string): string => `per_step/${name}`;
/** Outer graph input/output of the optimizer step counter. */
export const FUSED_STEP_IO = { stepBefore: "initial/step", stepAfter: "final/step" } as const;

/** The fused graph and what is needed to feed it. */
export interface FusedTrainStepsArtifact extends Omit<TrainStepArtifact, "model" | "accumulate"> {
  model: Model;
  /** Weight and state names in the order the Loop carries them (state names are `state/<slot>/<weight>`). */
  carried: readonly string[];
}

/**
 * K training steps fused into one `run()` with an ONNX `Loop`: weights, optimizer state and the step counter
 * are loop-carried, so they cross between host and device once per K steps. The loop body is exactly the
 * single-step graph of {@link buildTrainStep}; each iteration k gathers its batch, reference log-probs and
 * learning rate from inputs stacked along a leading K axis.
 *
 * ```text
 * inputs : steps/input_ids [K, 2B, T] (and attention/completion masks), steps/reference_logp [K, 2B],
 *          steps/lr [K], initial/step, initial/<weight>, initial/state/<slot>/<weight>
 * outputs: final/<weight>, final/state/…, final/step, per_step/loss [K], per_step/grad_norm [K], …
 * ```
 * @example
 * ```ts
 * const fused = buildFusedTrainSteps(model, { loss: "apo_zero", optimizer: "rmsprop" });
 * ```
 */
export function buildFusedTrainSteps(
  pretrained: PretrainedModel,
  options: Omit<TrainStepOptions, "accumulate"> = {},
): FusedTrainStepsArtifact {
  // The loop carries the weights and state through the body: the update stays in it (no separateUpdate).
  const single = buildTrainStep(pretrained, { ...options, accumulate: false, separateUpdate: false });
  if (single.loss.kind !== "paired") {
    throw new TrainConfigError("loss", single.loss.name, "a paired loss (fused steps take no labels yet)");
  }
  const { dtype } = single;
  const body: Graph = single.model.graph;
  const declared = new Map(body.inputs.map((i) => [i.name, i]));
  const produced = new Map(body.outputs.map((o) => [o.name, o]));
  const info = (map: Map<string, ValueInfo>, name: string): ValueInfo => {
    const v = map.get(name);
    if (v === undefined) throw new Error(`training-step graph has no value ${name}`);
    return v;
  };
  const carried = single.weights.flatMap((w) => [w, ...single.stateSlots.map((s) => stateInputName(s, w))]);
  const carriedOut = single.weights.flatMap((w) => [
    updatedWeightName(w),
    ...single.stateSlots.map((s) => updatedStateName(s, w)),
  ]);

  // Body: (iter, cond, carried…, step) → (cond, carried'…, step + 1, collected…).
  const iter = "loop/iter";
  const cond = "loop/cond";
  const one = "loop/one";
  body.initializers.set(one, scalarTensor(1, dtype));
  const gathers: Node[] = STACKED.map((name) => ({
    name: `loop/gather/${name}`,
    opType: "Gather",
    domain: "",
    inputs: [stackedInputName(name), iter],
    outputs: [name],
    attributes: { axis: { type: "int", value: 0 } },
  }));
  const tail: Node[] = [
    {
      name: "loop/next_step",
      opType: "Add",
      domain: "",
      inputs: [TRAIN_STEP_IO.step, one],
      outputs: ["loop/step_next"],
      attributes: {},
    },
    {
      name: "loop/keep_going",
      opType: "Identity",
      domain: "",
      inputs: [cond],
      outputs: ["loop/cond_out"],
      attributes: {},
    },
  ];
  body.nodes = [...gathers, ...body.nodes, ...tail];
  body.inputs = [
    { name: iter, dtype: "int64", shape: [] },
    { name: cond, dtype: "bool", shape: [] },
    ...carried.map((n) => info(declared, n)),
    info(declared, TRAIN_STEP_IO.step),
  ];
  body.outputs = [
    { name: "loop/cond_out", dtype: "bool", shape: [] },
    ...carriedOut.map((n) => info(produced, n)),
    { name: "loop/step_next", dtype, shape: [] },
    ...COLLECTED.map((n) => info(produced, n)),
  ];
  body.name = "train_step_body";

  // Outer graph: one Loop node over the K stacked steps.
  const g = new GraphBuilder({ name: `fused_${single.model.graph.name}` });
  for (const name of STACKED) {
    const v = info(declared, name);
    g.input(stackedInputName(name), v.dtype, ["steps", ...(v.shape ?? [])]);
  }
  const initial = carried.map((n) => {
    const v = info(declared, n);
    return g.input(initialName(n), v.dtype, v.shape ?? []);
  });
  const stepBefore = g.input(FUSED_STEP_IO.stepBefore, dtype, []);
  // Outer value names get a scope: the body's names (e.g. "Shape") must not be defined twice.
  const trips = g.scoped("fused", () =>
    g.op("Squeeze", [g.op("Shape", [stackedInputName(TRAIN_STEP_IO.lr)]), g.int64s([0])]),
  );
  const outputs = [...carried.map(finalName), FUSED_STEP_IO.stepAfter, ...COLLECTED.map(collectedName)];
  g.opN("Loop", [trips, "", ...initial, stepBefore], outputs.length, { body }, { outputs });
  carried.forEach((n) => {
    const v = info(declared, n);
    g.output(finalName(n), { dtype: v.dtype, shape: v.shape ?? [] });
  });
  g.output(FUSED_STEP_IO.stepAfter, { dtype, shape: [] });
  for (const n of COLLECTED) {
    const v = info(produced, n);
    g.output(collectedName(n), { dtype: v.dtype, shape: ["steps", ...(v.shape ?? [])] });
  }
  const { model: _single, accumulate: _accumulate, ...facts } = single;
  return { ...facts, model: g.toModel(), carried };
}
