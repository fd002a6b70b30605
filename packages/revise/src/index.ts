export {
  type AnchoredRow,
  type AnchorValue,
  AnchorValueSchema,
  createJudgeAnchorBuilder,
  type JudgeAnchorOptions,
  type PairRow,
  PairRowSchema,
} from "./anchor-builder.js";
export { type AnchorOptions, AnchorOptionsSchema, type AnchorSummary, anchor } from "./anchor-command.js";
export { type AnswerScorer, regexScorer } from "./answer-scorer.js";
export { type BatchOptions, runBatch } from "./batch.js";
export type { DatasetBuilder, JournalRow, RowContext, RowOutcome } from "./builder.js";
export { type ChatAnswer, ChatAnswerSchema, type ChatPrompt, ChatPromptSchema } from "./chat-prompt.js";
export { type ClairOptions, createClairBuilder } from "./clair.js";
export {
  type JudgeOptions,
  JudgeOptionsSchema,
  judge,
  type ReviseOptions,
  ReviseOptionsSchema,
  type RunControls,
  revise,
  type StrongerOptions,
  StrongerOptionsSchema,
  stronger,
} from "./commands.js";
export {
  EndpointConfigError,
  EndpointError,
  InputEncodingError,
  InputSyntaxError,
  InterruptedError,
  InvalidFieldError,
  JournalError,
  LineTooLongError,
  MalformedResponseError,
  MissingApiKeyError,
  OutputLockedError,
  ResponseTooLargeError,
  ReviseError,
  type ReviseErrorCode,
} from "./errors.js";
export {
  createPairwiseEvalBuilder,
  type EvalOutcome,
  type EvalResultRow,
  type EvalRow,
  EvalRowSchema,
  type PairwiseEvalOptions,
} from "./eval-builder.js";
export { type EvalOptions, EvalOptionsSchema, type EvalSummary, evaluate } from "./eval-command.js";
export { type EvalReport, formatEvalMarkdown, readEvalReport, writeEvalReport } from "./eval-report.js";
export type { FilterOptions } from "./filters.js";
export { createHttpFetch, type FetchLike, type HttpFetchOptions } from "./http-fetch.js";
export {
  type JudgeBothOrdersOptions,
  judgeBothOrders,
  type OrderVote,
  type TwoOrderVerdict,
} from "./judge-both-orders.js";
export {
  createMarginAnchorBuilder,
  type MarginAnchorOptions,
  type ReferenceLogProbs,
  readReferenceLogProbs,
} from "./margin-anchor.js";
export { createOffPolicyJudgeBuilder, type OffPolicyJudgeOptions } from "./off-policy-judge.js";
export { createOnPolicyJudgeBuilder, type OnPolicyJudgeOptions } from "./on-policy-judge.js";
export {
  createOpenAIGenerator,
  type EndpointOptions,
  EndpointOptionsSchema,
  type EndpointShared,
  type OpenAIGenerator,
  type ResolvedEndpoint,
} from "./openai-generator.js";
export { type JudgmentFailure, type ParsedJudgment, parseJudgment } from "./parse-judgment.js";
export { type ParsedRevision, parseRevision, type RevisionFailure } from "./parse-revision.js";
export {
  DEFAULT_JUDGE_PROMPT,
  DEFAULT_REVISER_PROMPT,
  JUDGE_PROMPTS,
  type JudgePromptName,
  type PromptTemplate,
  REVISER_PROMPTS,
  type ReviserPromptName,
  renderPrompt,
} from "./prompts.js";
export { RateLimiter, type RateLimits } from "./rate-limiter.js";
export {
  type Candidate,
  type CandidateRow,
  CandidateRowSchema,
  CandidateSchema,
  type DatasetKind,
  DatasetKindSchema,
  type InputRow,
  InputRowSchema,
  type PreferenceRow,
  PreferenceRowSchema,
  type RejectReason,
  RejectReasonSchema,
  type RejectRow,
  RejectRowSchema,
  type RowMeta,
  RowMetaSchema,
  type Usage,
  UsageSchema,
} from "./records.js";
export type { RetryOptions } from "./retry.js";
export type {
  ChatMessage,
  GenerateRequest,
  Generation,
  Generator,
  Judge,
  Reviser,
  RoleOutput,
  Stronger,
} from "./roles.js";
export {
  type Budget,
  type Price,
  type Progress,
  type RunOptions,
  type RunSummary,
  runDataset,
  type StopReason,
} from "./run-dataset.js";
export { createStrongerPreferredBuilder, type StrongerPreferredOptions } from "./stronger-preferred.js";
export { createTemplateJudge, createTemplateReviser } from "./template-roles.js";
