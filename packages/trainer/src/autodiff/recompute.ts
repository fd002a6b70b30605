import type { GraphBuilder } from "../onnx/builder.js";
import { isFloatType } from "../onnx/dtype.js";
import { hasSubgraph } from "../onnx/has-subgraph.js";
import type { Node } from "../onnx/types.js";

/**
 * Names the recomputation segment a forward node belongs to (e.g. its decoder layer), or undefined for
 * nodes whose values are kept for the backward as usual.
 *
 * @example
 * ```ts
 * const layerOf: SegmentOf = (node) => /(?:^|\/)layers\.\d+\//.exec(node.name)?.[0];
 * ```
 */
export type SegmentOf = (node: Node) => string | undefined;

/** What {@link recomputeSegments} needs from the gradient pass that just ran. */
export interface RecomputeInput {
  /** The forward nodes (those in the graph before the backward was appended), in order. */
  readonly forward: readonly Node[];
  /** Segment of each forward node. */
  readonly segmentOf: SegmentOf;
  /** The complete gradient of a forward value, if the backward computed one. */
  readonly gradientOf: (value: string) => string | undefined;
  /** Values that must stay as they are (graph outputs, the loss, the `wrt` values). */
  readonly pinned: ReadonlySet<string>;
}

/**
 * Activation recomputation ("gradient checkpointing") on a graph whose backward `addGradients` has just
 * appended: for each segment S (a decoder layer), the backward stops reading the activations S's forward
 * computed from its incoming activation x and reads copies recomputed from x instead, so the forward keeps
 * only x (the segment's checkpoint) and each segment's activations live only during its own backward.
 *
 * ```text
 * x̃      = Expand(x, max(min(Shape(∂L/∂y)[0:1], 1), 1))   (y: S's output; the same values as x, but a
 *                                             data dependency that makes the copy run once the backward reaches S)
 * ṽ      = S's ops replayed on x̃             (only those the backward reads, and what they need)
 * backward reads ṽ instead of v               (v is then freed during the forward)
 * ```
 *
 * x is an input of S produced by another forward node and read by no other segment (the residual
 * stream; x must have rank ≥ 1); values S computes from weights alone are kept as before. A segment
 * with none, with a subgraph, or whose output has no gradient is left alone. Values are bit-for-bit those of the plain
 * graph (the same ops on the same inputs).
 *
 * @example
 * ```ts
 * recomputeSegments(g, { forward, segmentOf: decoderLayerOf, gradientOf, pinned });
 * ```
 */
export function recomputeSegments(g: GraphBuilder, input: RecomputeInput): void {
  const { forward, segmentOf, gradientOf, pinned } = input;
  const forwardSet = new Set(forward);
  const backward = g.graph.nodes.filter((n) => !forwardSet.has(n));

  const segments = new Map<string, Node[]>();
  const segmentOfNode = new Map<Node, string>();
  for (const node of forward) {
    const key = segmentOf(node);
    if (key === undefined) continue;
    segmentOfNode.set(node, key);
    const list = segments.get(key);
    if (list === undefined) segments.set(key, [node]);
    else list.push(node);
  }
  const producer = new Map<string, Node>();
  const forwardReaders = new Map<string, Set<string | undefined>>();
  for (const node of forward) {
    for (const o of node.outputs) if (o !== "") producer.set(o, node);
    for (const i of node.inputs) {
      if (i === "") continue;
      const set = forwardReaders.get(i) ?? new Set<string | undefined>();
      set.add(segmentOfNode.get(node));
      forwardReaders.set(i, set);
    }
  }
  const backwardReads = new Set<string>();
  for (const node of backward) for (const i of node.inputs) if (i !== "") backwardReads.add(i);

  const isFloat = (v: string) => {
    const t = g.typeOf(v);
    return t !== undefined && isFloatType(t.dtype);
  };
  const renames = new Map<string, string>();
  for (const [key, nodes] of segments) {
    if (nodes.some(hasSubgraph)) continue;
    const produced = new Set(nodes.flatMap((n) => n.outputs.filter((o) => o !== "")));
    const gated = new Set<string>();
    for (const node of nodes) {
      for (const i of node.inputs) {
        if (i === "" || produced.has(i) || !producer.has(i) || !isFloat(i)) continue;
        const readers = forwardReaders.get(i);
        if (readers !== undefined && readers.size === 1 && readers.has(key)) gated.add(i);
      }
    }
    const outputs = [...produced].filter((v) => {
      const readers = forwardReaders.get(v);
      return pinned.has(v) || (readers !== undefined && [...readers].some((r) => r !== key));
    });
    const gradients = outputs.map((o) => ({ o, grad: gradientOf(o) })).filter((x) => x.grad !== undefined);
    const anchor = gradients[0];
    if (gated.size === 0 || anchor === undefined) continue;

    const dependent = new Set<string>(gated);
    const dependentNodes: Node[] = [];
    for (const node of nodes) {
      if (!node.inputs.some((i) => dependent.has(i))) continue;
      dependentNodes.push(node);
      for (const o of node.outputs) if (o !== "") dependent.add(o);
    }
    const outputSet = new Set(outputs);
    const saved = [...dependent].filter(
      (v) => !gated.has(v) && backwardReads.has(v) && !outputSet.has(v) && !pinned.has(v),
    );
    if (saved.length === 0) continue;
    const needed = new Set(saved);
    const replay: Node[] = [];
    for (let k = dependentNodes.length - 1; k >= 0; k--) {
      const node = dependentNodes[k] as Node;
      if (!node.outputs.some((o) => needed.has(o))) continue;
      replay.push(node);
      for (const i of node.inputs) if (dependent.has(i) && !gated.has(i)) needed.add(i);
    }
    replay.reverse();

    const local = new Map<string, string>();
    g.scoped(`recompute/${key}`, () => {
      // [1], computed from the gradient's shape (never from its values, so NaNs cannot leak in) in a way
      // onnxruntime cannot fold: Expand(x, [1]) is x, but only once the gradient exists.
      const dim = g.op("Slice", [g.op("Shape", [anchor.grad as string]), g.int64s([0]), g.int64s([1])]);
      const one = g.op("Max", [g.op("Min", [dim, g.int64s([1])]), g.int64s([1])]);
      for (const x of gated) {
        const copy = g.op("Expand", [x, one]);
        const t = g.typeOf(x);
        if (t !== undefined) g.setType(copy, t);
        local.set(x, copy);
      }
      for (const node of replay) {
        const outs = g.opN(
          node.opType,
          node.inputs.map((i) => local.get(i) ?? i),
          node.outputs.length,
          node.attributes,
          { name: node.opType, domain: node.domain },
        );
        node.outputs.forEach((o, k) => {
          const copy = outs[k] as string;
          if (o === "") return;
          local.set(o, copy);
          const t = g.typeOf(o);
          if (t !== undefined) g.setType(copy, t);
        });
      }
    });
    for (const v of saved) renames.set(v, local.get(v) as string);
  }
  if (renames.size === 0) return;

  for (const node of backward) node.inputs = node.inputs.map((i) => renames.get(i) ?? i);
  g.graph.nodes.splice(0, g.graph.nodes.length, ...topologicalOrder(g.graph.nodes));
}

/**
 * The nodes in an order where each comes after its inputs' producers, as close to the given order as
 * that allows (Kahn's algorithm taking the earliest ready node first): the recomputed copies, appended at
 * the end, move up to just before their first reader.
 */
function topologicalOrder(nodes: readonly Node[]): Node[] {
  const producerIndex = new Map<string, number>();
  nodes.forEach((n, k) => {
    for (const o of n.outputs) if (o !== "") producerIndex.set(o, k);
  });
  const waiting = new Array<number>(nodes.length).fill(0);
  const dependents: number[][] = nodes.map(() => []);
  nodes.forEach((n, k) => {
    const deps = new Set<number>();
    for (const i of n.inputs) {
      const p = producerIndex.get(i);
      if (p !== undefined && p !== k) deps.add(p);
    }
    waiting[k] = deps.size;
    for (const p of deps) dependents[p]?.push(k);
  });
  const heap = new MinHeap();
  waiting.forEach((w, k) => {
    if (w === 0) heap.push(k);
  });
  const order: Node[] = [];
  while (heap.size > 0) {
    const k = heap.pop();
    order.push(nodes[k] as Node);
    for (const d of dependents[k] ?? []) {
      waiting[d] = (waiting[d] as number) - 1;
      if (waiting[d] === 0) heap.push(d);
    }
  }
  if (order.length !== nodes.length) throw new Error("recomputation left the graph with a cycle");
  return order;
}

/** A binary min-heap of node indices. */
class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(value: number): void {
    const a = this.items;
    a.push(value);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((a[parent] as number) <= value) break;
      a[i] = a[parent] as number;
      i = parent;
    }
    a[i] = value;
  }
  pop(): number {
    const a = this.items;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && (a[r] as number) < (a[l] as number) ? r : l;
        if ((a[c] as number) >= last) break;
        a[i] = a[c] as number;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
