import type { Node } from "../onnx/types.js";

const LAYER_SCOPE = /(?:^|\/)(?:layers|h)\.\d+\//;

/**
 * The decoder layer a forward node belongs to, as the families scope them (`layers.<l>/` for Llama,
 * `h.<l>/` for GPT-2, possibly under outer scopes): the name up to and including that scope, or
 * undefined for nodes outside the layers (embeddings, rotary tables, final norm, head, loss).
 *
 * ```text
 * "layers.3/MatMul_2" → "layers.3/"     "grad/…" and "logprob/…" nodes → undefined (unless inside a layer scope)
 * ```
 *
 * @example
 * ```ts
 * addGradients(g, { loss, wrt, recompute: decoderLayerOf });
 * ```
 */
export function decoderLayerOf(node: Node): string | undefined {
  const match = LAYER_SCOPE.exec(node.name);
  return match === null ? undefined : node.name.slice(0, match.index + match[0].length);
}
