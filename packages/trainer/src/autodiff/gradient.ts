import { GradientError, MissingGradientRuleError } from "../errors.js";
import { GraphBuilder } from "../onnx/builder.js";
import { isDefaultDomain } from "../onnx/default-domain.js";
import { isFloatType } from "../onnx/dtype.js";
import { hasSubgraph } from "../onnx/has-subgraph.js";
import type { Graph, Model, Node } from "../onnx/types.js";
import { GradContext, type GradGraphView } from "./grad-context.js";
import type { GradientRule } from "./gradient-rule.js";
import { recomputeSegments, type SegmentOf } from "./recompute.js";
import { GRADIENTS } from "./rules/index.js";

/**
 * Options of {@link addGradients} and {@link buildGradientModel}.
 *
 * @example
 * ```ts
 * const options: GradientOptions = { loss: "loss", wrt: ["fc.weight", "fc.bias"] };
 * ```
 */
export interface GradientOptions {
  /** The value to differentiate; a scalar (otherwise the gradient of the sum of its elements). */
  readonly loss: string;
  /** Initializers or graph inputs (float) to differentiate with respect to. */
  readonly wrt: readonly string[];
  /** Name of each gradient value (default `grad/<wrt>`). */
  readonly gradientName?: (wrt: string) => string;
  /** A value holding dLoss (same shape as `loss`) to propagate instead of ones (vector–Jacobian product). */
  readonly seed?: string;
  /**
   * Activation recomputation: the segment (e.g. decoder layer) of each forward node whose activations the
   * backward recomputes from the segment's input instead of keeping them (see `recomputeSegments`).
   */
  readonly recompute?: SegmentOf;
}

/** Values a subgraph reads from enclosing scopes (so activity through Loop/If bodies is not missed). */
function outerReads(graph: Graph, into: Set<string>): void {
  const local = new Set<string>([...graph.inputs.map((i) => i.name), ...graph.initializers.keys()]);
  for (const node of graph.nodes) {
    for (const i of node.inputs) if (i !== "" && !local.has(i)) into.add(i);
    for (const a of Object.values(node.attributes)) {
      if (a.type === "graph") outerReads(a.value, into);
      if (a.type === "graphs") for (const sub of a.value) outerReads(sub, into);
    }
    for (const o of node.outputs) local.add(o);
  }
}

/** A context not tied to a forward node, for the seed and zero gradients. */
function helperContext(g: GraphBuilder): GradContext {
  return new GradContext(
    g,
    { name: "", opType: "", domain: "", inputs: [], outputs: [], attributes: {} },
    [],
    [],
  );
}

function readsOf(node: Node): string[] {
  const reads = new Set(node.inputs.filter((i) => i !== ""));
  for (const a of Object.values(node.attributes)) {
    if (a.type === "graph") outerReads(a.value, reads);
    if (a.type === "graphs") for (const sub of a.value) outerReads(sub, reads);
  }
  return [...reads];
}

/**
 * Appends reverse-mode gradient ops to a graph under construction and returns the name of each
 * gradient, keyed by `wrt` name.
 *
 * ```text
 * 1. active  = values forward-reachable from `wrt` through float edges (int/bool edges stop gradients)
 * 2. needed  = active values backward-reachable from `loss`
 * 3. seed dLoss = 1; visit nodes in reverse order; each op's rule maps output grads to input grads
 * 4. a value consumed k times gets one Sum of its k partial gradients
 * ```
 *
 * A `wrt` value the loss does not depend on gets zeros. An op on the path without a rule throws
 * {@link MissingGradientRuleError} naming the op and the node.
 *
 * @example
 * ```ts
 * const g = new GraphBuilder();
 * // … forward ops producing `loss` from initializer `w` …
 * const grads = addGradients(g, { loss, wrt: ["w"] });
 * g.output(grads.get("w") ?? "");
 * ```
 */
export function addGradients(g: GraphBuilder, options: GradientOptions): Map<string, string> {
  const { loss, wrt } = options;
  const gradName = options.gradientName ?? ((w: string) => `grad/${w}`);
  if (!g.isDefined(loss))
    throw new GradientError(`loss \`${loss}\` is not a value of the graph`, { subject: loss });
  for (const w of wrt) {
    if (!g.isDefined(w))
      throw new GradientError(`\`wrt\` value \`${w}\` is not in the graph`, { subject: w });
    const t = g.typeOf(w);
    if (t !== undefined && !isFloatType(t.dtype)) {
      throw new GradientError(`\`wrt\` value \`${w}\` is ${t.dtype}; only float tensors have gradients`, {
        subject: w,
      });
    }
  }
  if (g.opset < 13) {
    throw new GradientError(
      `gradients need ai.onnx opset ≥ 13 (axes as inputs); the graph has opset ${g.opset}: re-export the model with a newer opset`,
    );
  }
  const forward = [...g.graph.nodes];
  const floatish = (name: string): boolean => {
    const t = g.typeOf(name);
    return t === undefined || isFloatType(t.dtype);
  };

  const active = new Set(wrt);
  for (const node of forward) {
    if (!readsOf(node).some((i) => active.has(i))) continue;
    for (const o of node.outputs) if (o !== "" && floatish(o)) active.add(o);
  }

  const needed = new Set<string>(active.has(loss) ? [loss] : []);
  const visit: Node[] = [];
  for (let k = forward.length - 1; k >= 0; k--) {
    const node = forward[k];
    if (node === undefined || !node.outputs.some((o) => needed.has(o))) continue;
    const reads = readsOf(node).filter((i) => active.has(i) && floatish(i));
    if (reads.length === 0) continue;
    visit.push(node);
    for (const i of reads) needed.add(i);
  }

  const consumers = new Map<string, Node[]>();
  const producers = new Map<string, Node>();
  for (const node of forward) {
    for (const i of new Set(readsOf(node))) {
      const list = consumers.get(i);
      if (list === undefined) consumers.set(i, [node]);
      else list.push(node);
    }
    for (const o of node.outputs) if (o !== "") producers.set(o, node);
  }
  const pinned = new Set<string>([...wrt, loss, ...g.graph.outputs.map((o) => o.name)]);
  const view: GradGraphView = {
    consumers: (value) => consumers.get(value) ?? [],
    producer: (value) => producers.get(value),
    gradientOf: (value) => total(value),
    isPinned: (value) => pinned.has(value),
    contribute: (value, grad) => addInputGradient(value, grad),
  };

  const partials = new Map<string, string[]>();
  // Partials are summed as they arrive, two at a time once there are three: a value read by many nodes
  // (a tied embedding read by every chunk of a chunked head) then never holds all its partials at once.
  // onnxruntime's Sum adds its inputs left to right, so ((a + b) + c) is Sum(a, b, c) bit for bit.
  const addPartial = (name: string, grad: string) => {
    const list = partials.get(name);
    if (list === undefined) partials.set(name, [grad]);
    else if (list.length < 2) list.push(grad);
    else partials.set(name, [g.op("Sum", list, {}, { name: `grad/${name}/Sum` }), grad]);
  };
  const total = (name: string): string | undefined => {
    const list = partials.get(name);
    if (list === undefined || list.length === 0) return undefined;
    if (list.length === 1) return list[0];
    const sum = g.op("Sum", list, {}, { name: `grad/${name}/Sum` });
    partials.set(name, [sum]);
    return sum;
  };

  /** A rule's gradient for a value: typed like the value where the rule's ops left its shape unknown. */
  const addInputGradient = (value: string, grad: string) => {
    const type = g.typeOf(value);
    if (type !== undefined && g.typeOf(grad)?.shape === undefined) g.setType(grad, type);
    addPartial(value, grad);
  };

  if (needed.has(loss)) {
    const seed =
      options.seed ??
      g.scoped("grad", () => {
        const type = g.typeOf(loss);
        const one = helperContext(g);
        if (type?.shape?.length === 0) return one.scalarLike(1, loss);
        return g.op("Add", [one.zerosLike(loss), one.scalarLike(1, loss)]);
      });
    addPartial(loss, seed);
  }

  for (const node of visit) {
    if (!isDefaultDomain(node.domain))
      throw new MissingGradientRuleError(`${node.domain}.${node.opType}`, node.name);
    const rule: GradientRule | undefined = (GRADIENTS as Record<string, GradientRule>)[node.opType];
    if (rule === undefined) throw new MissingGradientRuleError(node.opType, node.name);
    const outputGrads = node.outputs.map((o) => (o === "" ? undefined : total(o)));
    if (outputGrads.every((d) => d === undefined)) continue;
    if (hasSubgraph(node)) throw new MissingGradientRuleError(node.opType, node.name);
    const wanted = node.inputs.map((i) => i !== "" && needed.has(i) && active.has(i) && floatish(i));
    const ctx = new GradContext(g, node, outputGrads, wanted, view);
    const inputGrads = g.scoped(`grad/${node.name}`, () => rule.gradient(ctx));
    node.inputs.forEach((input, i) => {
      if (!wanted[i] || ctx.isAbsorbed(i)) return;
      const grad = inputGrads[i];
      if (grad === undefined) throw ctx.fail(`the rule gave no gradient for input ${i} (\`${input}\`)`);
      addInputGradient(input, grad);
    });
  }

  if (options.recompute !== undefined) {
    recomputeSegments(g, {
      forward,
      segmentOf: options.recompute,
      gradientOf: (value) => {
        const list = partials.get(value);
        return list?.length === 1 ? list[0] : undefined;
      },
      pinned,
    });
  }

  const result = new Map<string, string>();
  for (const w of wrt) {
    const name = gradName(w);
    const grad = total(w);
    if (grad === undefined) {
      const zeros = g.scoped("grad", () => helperContext(g).zerosLike(w));
      g.op("Identity", [zeros], {}, { outputs: [name] });
    } else {
      g.op("Identity", [grad], {}, { outputs: [name] });
    }
    const t = g.typeOf(w);
    if (t !== undefined) g.setType(name, t);
    result.set(w, name);
  }
  return result;
}

/**
 * A copy of `model` whose outputs are the original outputs (unless `keepOutputs` is false), the loss,
 * and the gradient of the loss with respect to each `wrt` value. An ai.onnx opset 13–16 import is raised
 * to 17 (a change that keeps every op's meaning) so that scatter-add is available.
 *
 * @example
 * ```ts
 * const { model: train, gradients } = buildGradientModel(model, { loss: "loss", wrt: ["w"] });
 * const session = await InferenceSession.create(encodeModel(train));
 * const out = await session.run(feeds); // out[gradients.get("w")]
 * ```
 */
export function buildGradientModel(
  model: Model,
  options: GradientOptions & { keepOutputs?: boolean },
): { model: Model; gradients: Map<string, string> } {
  // Opsets 14–17 only added types and optional attributes to what 13 had, so a 13–16 graph keeps its
  // meaning at 17, where ScatterElements has reduction="add" (Gather and GatherElements gradients).
  const opsetImports = model.opsetImports.map((o) =>
    isDefaultDomain(o.domain) && o.version >= 13 && o.version < 17 ? { ...o, version: 17 } : o,
  );
  const copy: Model = {
    ...model,
    opsetImports,
    graph: {
      ...model.graph,
      nodes: [...model.graph.nodes],
      inputs: [...model.graph.inputs],
      outputs: options.keepOutputs === false ? [] : [...model.graph.outputs],
      initializers: new Map(model.graph.initializers),
      valueInfo: [...model.graph.valueInfo],
    },
  };
  const g = GraphBuilder.fromModel(copy);
  const gradients = addGradients(g, options);
  if (!g.graph.outputs.some((o) => o.name === options.loss)) g.output(options.loss);
  for (const name of gradients.values()) g.output(name);
  const out = g.toModel({
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    metadata: model.metadata,
  });
  return { model: { ...copy, graph: out.graph, opsetImports: mergeOpsets(copy, out) }, gradients };
}

function mergeOpsets(a: Model, b: Model): Model["opsetImports"] {
  const map = new Map(a.opsetImports.map((o) => [o.domain, o.version]));
  for (const o of b.opsetImports) if (!map.has(o.domain)) map.set(o.domain, o.version);
  return [...map].map(([domain, version]) => ({ domain, version }));
}
