import type { Node } from "./types.js";

/**
 * A function naming the scope a node was built in, for scopes matching `scope` (a pattern for one scope
 * name followed by `/`, e.g. `layers.<l>/`, possibly under outer scopes): the node's name up to and
 * including that scope, or undefined for nodes outside every such scope.
 *
 * ```text
 * scopePrefixOf(/(?:^|\/)layers\.\d+\//)  "policy/layers.3/MatMul_2" → "policy/layers.3/"
 * ```
 *
 * @example
 * ```ts
 * const layerOf = scopePrefixOf(/(?:^|\/)layers\.\d+\//);
 * ```
 */
export function scopePrefixOf(scope: RegExp): (node: Node) => string | undefined {
  return (node) => {
    const match = scope.exec(node.name);
    return match === null ? undefined : node.name.slice(0, match.index + match[0].length);
  };
}
