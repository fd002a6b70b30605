export {
  DataRowError,
  parseJsonl,
  parsePreferenceRow,
  type TokenizedPair,
  tokenizeCompletion,
} from "../data/preference-rows.js";
export { buildLogProbModel, emitCompletionLogProbs, LOG_PROB_IO } from "./build-log-prob-graph.js";
export {
  type CompletionLogProb,
  computeLogProbs,
  LogProbSession,
  type LogProbSessionOptions,
} from "./log-prob-session.js";
export { type PackedBatch, type PromptCompletion, packSequences } from "./pack-sequences.js";
export { type PreferenceLogProbRow, preferenceLogProbs } from "./preference-log-probs.js";
