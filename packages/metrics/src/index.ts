export {
  ContrastivenessAccumulator,
  type ContrastivenessOptions,
  type ContrastivenessReport,
  contrastiveness,
  type PairMetrics,
  type PreferencePairLike,
  pairMetrics,
} from "./contrastiveness.js";
export { InvalidLineError, InvalidPairError, MetricsError, type MetricsErrorCode } from "./errors.js";
export { type HistogramInput, type HistogramOptions, renderHistogramsSvg } from "./histogram-svg.js";
export { type JaccardOptions, jaccard, jaccardOfTokens } from "./jaccard.js";
export {
  type CharacterUnit,
  type LevenshteinOptions,
  levenshtein,
  levenshteinSequences,
} from "./levenshtein.js";
export { loadTokenizer } from "./load-tokenizer.js";
export {
  type Answer,
  answerText,
  type ChatMessage,
  type ContentPart,
  type PreferencePair,
  pairTexts,
} from "./pair.js";
export {
  ContrastivenessPool,
  contrastivenessOfFile,
  contrastivenessParallel,
  type FileOptions,
  type FileProgress,
  type FileReport,
  type InvalidLine,
  type PoolOptions,
  type TokenizerSpec,
} from "./parallel.js";
export { formatReportTable, type NamedReport } from "./report-table.js";
export { type Summary, summarize } from "./summary.js";
export { type Tokenizer, type TokenizerFunction, tokenize } from "./tokenize.js";
