import { scopePrefixOf } from "../onnx/scope-prefix.js";

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
export const decoderLayerOf = scopePrefixOf(/(?:^|\/)(?:layers|h)\.\d+\//);
