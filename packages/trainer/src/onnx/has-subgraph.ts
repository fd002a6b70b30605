import type { Node } from "./types.js";

/**
 * Whether a node carries a subgraph attribute (a `Loop` or `Scan` body, an `If` branch).
 *
 * @example
 * ```ts
 * hasSubgraph(loopNode); // true
 * ```
 */
export function hasSubgraph(node: Node): boolean {
  return Object.values(node.attributes).some((a) => a.type === "graph" || a.type === "graphs");
}
