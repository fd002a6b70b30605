export { gpt2ReferenceLogSoftmax } from "./gpt2-reference.js";
export { llamaReferenceLogSoftmax } from "./llama-reference.js";
export { referenceCompletionLogProb, referenceLogSoftmax } from "./reference-log-probs.js";
export type { Mat } from "./reference-math.js";
