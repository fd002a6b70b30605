import { z } from "zod";

/**
 * One input row for CLAIR, the on-policy judge and stronger-preferred: a prompt, and optionally the
 * target model's answer (absent → it is sampled from the policy endpoint).
 *
 * @example
 * ```ts
 * InputRowSchema.parse({ prompt: "Name a prime.", response: "9" });
 * ```
 */
export const InputRowSchema = z.object({
  prompt: z.string(),
  response: z.string().optional(),
  id: z.union([z.string(), z.number()]).optional(),
});
/** One input row (see {@link InputRowSchema}). */
export type InputRow = z.infer<typeof InputRowSchema>;

/**
 * One candidate answer of an UltraFeedback-style row.
 *
 * @example
 * ```ts
 * CandidateSchema.parse({ response: "4", overall_score: 9, model: "gpt-4" });
 * ```
 */
export const CandidateSchema = z.object({
  response: z.string(),
  overall_score: z.number().nullable().optional(),
  model: z.string().optional(),
});
/** One candidate answer (see {@link CandidateSchema}). */
export type Candidate = z.infer<typeof CandidateSchema>;

/**
 * An UltraFeedback-style row for the off-policy judge: the prompt (`prompt`, or UltraFeedback's
 * `instruction`) and at least two judged candidate answers.
 *
 * @example
 * ```ts
 * CandidateRowSchema.parse({ instruction: "2+2?", completions: [{ response: "4", overall_score: 9 }, { response: "5", overall_score: 2 }] });
 * ```
 */
export const CandidateRowSchema = z.object({
  prompt: z.string().optional(),
  instruction: z.string().optional(),
  completions: z.array(CandidateSchema).min(2),
  id: z.union([z.string(), z.number()]).optional(),
});
/** An UltraFeedback-style row (see {@link CandidateRowSchema}). */
export type CandidateRow = z.infer<typeof CandidateRowSchema>;

/**
 * Token counts of one or more requests.
 *
 * @example
 * ```ts
 * const usage: Usage = { promptTokens: 771, completionTokens: 981 };
 * ```
 */
export const UsageSchema = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
});
/** Token counts (see {@link UsageSchema}). */
export type Usage = z.infer<typeof UsageSchema>;

/**
 * What a run built: one of the four datasets of the paper's section 3, anchors for a pair file
 * (`clair anchor`), or a pairwise evaluation (`clair eval`).
 */
export const DatasetKindSchema = z.enum([
  "clair",
  "on-policy-judge",
  "off-policy-judge",
  "stronger-preferred",
  "anchor",
  "eval",
]);
/** What a run built (see {@link DatasetKindSchema}). */
export type DatasetKind = z.infer<typeof DatasetKindSchema>;

/**
 * Provenance of an output or rejects row: which models, which prompt template, the raw responses, tokens.
 *
 * @example
 * ```ts
 * const meta: RowMeta = { dataset: "clair", line: 1, models: { reviser: "gpt-4o" }, raw: {}, usage: { promptTokens: 0, completionTokens: 0 } };
 * ```
 */
export const RowMetaSchema = z.object({
  dataset: DatasetKindSchema,
  line: z.number().int().positive(),
  inputId: z.union([z.string(), z.number()]).optional(),
  models: z.record(z.string(), z.string()),
  template: z.object({ name: z.string(), version: z.string() }).optional(),
  raw: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  usage: UsageSchema,
  winner: z.union([z.literal(1), z.literal(2)]).optional(),
  scores: z.array(z.number().nullable()).optional(),
  /** `clair anchor`, `clair eval`: the answer the judge picked in each order (first shown first, then swapped). */
  votes: z.array(z.string()).optional(),
  /** Judge replies of this row that named neither answer (or both); each was asked again once. */
  unparseable: z.number().int().nonnegative().optional(),
  /**
   * `clair anchor`: what decided the anchor: `chosen` (the pair's chosen answer won in both orders),
   * `model` (the model's own answer did), `split`, `identical`, or `margin` (the reference log-probs).
   */
  verdict: z.string().optional(),
  /** `clair anchor --anchor-from margin`: the reference model's log-prob margin of chosen over rejected. */
  margin: z.number().optional(),
  /** `clair anchor`: the input row's own `meta`, kept. */
  inputMeta: z.unknown().optional(),
});
/** Provenance of a row (see {@link RowMetaSchema}). */
export type RowMeta = z.infer<typeof RowMetaSchema>;

/**
 * An output row in TRL's (standard, string) preference format, plus the reviser's or judge's `rationale`
 * and `meta`. `id` is the stable row key the journal resumes by.
 *
 * @example
 * ```ts
 * PreferenceRowSchema.parse({ id: "L1-ab12", prompt: "2+2?", chosen: "4", rejected: "5", rationale: "", meta });
 * ```
 */
export const PreferenceRowSchema = z.object({
  id: z.string(),
  prompt: z.string(),
  chosen: z.string(),
  rejected: z.string(),
  rationale: z.string(),
  meta: RowMetaSchema,
});
/** An output row (see {@link PreferenceRowSchema}). */
export type PreferenceRow = z.infer<typeof PreferenceRowSchema>;

/** Why a row was rejected for good (it is not retried by a restarted run). */
export const RejectReasonSchema = z.enum([
  "unparseable",
  "identical",
  "length-ratio",
  "empty-answer",
  "tie",
  "request-refused",
]);
/** Why a row was rejected (see {@link RejectReasonSchema}). */
export type RejectReason = z.infer<typeof RejectReasonSchema>;

/**
 * A rejects-file row: the input's prompt unchanged, the reason, a human-readable detail and `meta` (with
 * the raw responses, so nothing paid for is lost).
 *
 * @example
 * ```ts
 * RejectRowSchema.parse({ id: "L3-9f", prompt: "x", reason: "identical", detail: "revision equals the answer", meta });
 * ```
 */
export const RejectRowSchema = z.object({
  id: z.string(),
  prompt: z.string(),
  reason: RejectReasonSchema,
  detail: z.string(),
  meta: RowMetaSchema,
});
/** A rejects-file row (see {@link RejectRowSchema}). */
export type RejectRow = z.infer<typeof RejectRowSchema>;
