import type { Node } from "./types.js";

/**
 * Whether an operator-set domain is ONNX's default one, which models write as `""` or `"ai.onnx"`.
 *
 * @example
 * ```ts
 * isDefaultDomain(node.domain); // false for "com.microsoft"
 * ```
 */
export function isDefaultDomain(domain: string): boolean {
  return domain === "" || domain === "ai.onnx";
}

/**
 * Whether `node` is the standard ONNX op `opType` (default domain), e.g. for pattern matching.
 *
 * @example
 * ```ts
 * if (isStandardOp(producer, "Sigmoid")) { … }
 * ```
 */
export function isStandardOp(node: Node | undefined, opType: string): node is Node {
  return node !== undefined && node.opType === opType && isDefaultDomain(node.domain);
}
