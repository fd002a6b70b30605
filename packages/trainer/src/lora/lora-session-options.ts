import type { InferenceSession } from "onnxruntime-node";

/**
 * onnxruntime session options for LoRA graphs: the caller's, with pre-packing of constant weights off unless
 * the caller sets `extra.session.disable_prepacking` itself. A LoRA graph's frozen base weights are
 * initializers, and onnxruntime keeps a pre-packed copy of each beside the original for every product form
 * that reads it (forward and backward): on a SmolLM-135M-shaped model that was 0.9 GB more peak RSS (2.75 →
 * 1.85 GB once the session opened; steps of 4 × 256 tokens 6.25 → 5.43 GB) for steps about as fast (within
 * the noise of a shared 2-core machine). The training step and its reference forward take the same options,
 * so their float32 arithmetic stays the same.
 *
 * @example
 * ```ts
 * loraSessionOptions({ executionProviders: ["cpu"] }).extra; // { session: { disable_prepacking: "1" } }
 * ```
 */
export function loraSessionOptions(
  options: InferenceSession.SessionOptions = {},
): InferenceSession.SessionOptions {
  const given = options.extra?.session as Record<string, unknown> | undefined;
  return { ...options, extra: { ...options.extra, session: { disable_prepacking: "1", ...given } } };
}
