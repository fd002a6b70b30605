import { OnnxGraphError } from "../errors.js";
import type { AttributeValue, FunctionDef, Graph, Model, Node } from "./types.js";

const MAX_DEPTH = 32;

function key(domain: string, name: string): string {
  return `${domain}::${name}`;
}

function expandCall(call: Node, fn: FunctionDef, prefix: string): Node[] {
  const rename = new Map<string, string>();
  fn.inputs.forEach((name, i) => {
    rename.set(name, call.inputs[i] ?? "");
  });
  fn.outputs.forEach((name, i) => {
    rename.set(name, call.outputs[i] ?? "");
  });
  const local = (name: string) => {
    if (name === "") return "";
    const known = rename.get(name);
    if (known !== undefined) return known;
    const fresh = `${prefix}/${name}`;
    rename.set(name, fresh);
    return fresh;
  };
  return fn.nodes.map((n, k) => {
    const attributes: Record<string, AttributeValue> = {};
    for (const [name, a] of Object.entries(n.attributes)) {
      if (a.type !== "ref") {
        attributes[name] = a;
        continue;
      }
      const given = call.attributes[a.value];
      if (given !== undefined) attributes[name] = given;
    }
    return {
      name: `${prefix}/${n.name || `${n.opType}_${k}`}`,
      opType: n.opType,
      domain: n.domain,
      inputs: n.inputs.map(local),
      outputs: n.outputs.map(local),
      attributes,
    };
  });
}

function inlineGraph(graph: Graph, functions: ReadonlyMap<string, FunctionDef>, depth: number): Graph {
  if (depth > MAX_DEPTH)
    throw new OnnxGraphError(`model-local functions nest deeper than ${MAX_DEPTH} (recursion?)`);
  let changed = false;
  const nodes: Node[] = [];
  for (const node of graph.nodes) {
    const fn = functions.get(key(node.domain, node.opType));
    if (fn === undefined) {
      nodes.push(node);
      continue;
    }
    changed = true;
    nodes.push(...expandCall(node, fn, node.name || `${fn.name}_${nodes.length}`));
  }
  const next = { ...graph, nodes };
  return changed ? inlineGraph(next, functions, depth + 1) : next;
}

/**
 * Replaces every call of a model-local function (ONNX `FunctionProto`, as torch.onnx's dynamo exporter
 * emits) by the function's body, with internal values renamed `<call node>/<name>` and `ref_attr_name`
 * attributes resolved from the call. The result has no `functions`, so autodiff sees only plain ops.
 *
 * @example
 * ```ts
 * const flat = inlineFunctions(decodeModel(bytes));
 * const { model: train } = buildGradientModel(flat, { loss: "loss", wrt });
 * ```
 */
export function inlineFunctions(model: Model): Model {
  const fns = model.functions ?? [];
  if (fns.length === 0) return model;
  const map = new Map(fns.map((f) => [key(f.domain, f.name), f]));
  const opsets = new Map(model.opsetImports.map((o) => [o.domain, o.version]));
  for (const f of fns) {
    for (const o of f.opsetImports)
      if (!opsets.has(o.domain) && !map.has(key(o.domain, ""))) opsets.set(o.domain, o.version);
  }
  const usedDomains = new Set<string>();
  const graph = inlineGraph(model.graph, map, 0);
  for (const n of graph.nodes) usedDomains.add(n.domain);
  const functionDomains = new Set(fns.map((f) => f.domain));
  const opsetImports = [...opsets]
    .filter(([domain]) => !functionDomains.has(domain) || usedDomains.has(domain))
    .map(([domain, version]) => ({ domain, version }));
  const { functions: _dropped, ...rest } = model;
  return { ...rest, graph, opsetImports };
}
