/**
 * Input and output names of the cached decoder graph: the names transformers.js and Optimum use for
 * decoder-only ONNX exports, so one graph serves our sampler and `@huggingface/transformers`.
 *
 * @example
 * ```ts
 * DECODER_IO.pastKey(0); // "past_key_values.0.key"
 * ```
 */
export const DECODER_IO = {
  inputIds: "input_ids",
  attentionMask: "attention_mask",
  positionIds: "position_ids",
  logits: "logits",
  pastKey: (layer: number): string => `past_key_values.${layer}.key`,
  pastValue: (layer: number): string => `past_key_values.${layer}.value`,
  presentKey: (layer: number): string => `present.${layer}.key`,
  presentValue: (layer: number): string => `present.${layer}.value`,
} as const;
