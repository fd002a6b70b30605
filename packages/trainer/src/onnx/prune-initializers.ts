import type { Graph, Model } from "./types.js";

/** Adds to `into` every name the nodes of `graph` read, in subgraphs (`If`, `Loop`, `Scan` bodies) too. */
function namesRead(graph: Graph, into: Set<string>): Set<string> {
  for (const node of graph.nodes) {
    for (const input of node.inputs) into.add(input);
    for (const attribute of Object.values(node.attributes)) {
      if (attribute.type === "graph") namesRead(attribute.value, into);
      else if (attribute.type === "graphs") for (const body of attribute.value) namesRead(body, into);
    }
  }
  return into;
}

/**
 * `model` without the main graph's constants that no node reads (graph inputs and outputs are kept), for
 * opening a session: onnxruntime drops them anyway, with a warning on stderr for each, at every session it
 * opens. They come from a parameter a loss ignores (sft's β) or a helper that made a constant it did not
 * end up needing. The model itself is returned when nothing is unused; it is never modified.
 *
 * @example
 * ```ts
 * await InferenceSession.create(encodeModel(withoutUnusedInitializers(model)));
 * ```
 */
export function withoutUnusedInitializers(model: Model): Model {
  const { graph } = model;
  const kept = namesRead(graph, new Set());
  for (const v of graph.inputs) kept.add(v.name);
  for (const v of graph.outputs) kept.add(v.name);
  if ([...graph.initializers.keys()].every((name) => kept.has(name))) return model;
  const initializers = new Map([...graph.initializers].filter(([name]) => kept.has(name)));
  return { ...model, graph: { ...graph, initializers } };
}
