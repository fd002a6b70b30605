import { z } from "zod";
import { runBatch } from "./batch.js";
import type { DatasetBuilder, JournalRow } from "./builder.js";
import { createClairBuilder } from "./clair.js";
import { EndpointLimiters } from "./endpoint-limiters.js";
import { InvalidFieldError } from "./errors.js";
import { validateRecord } from "./jsonl.js";
import { createOffPolicyJudgeBuilder } from "./off-policy-judge.js";
import { createOnPolicyJudgeBuilder } from "./on-policy-judge.js";
import {
  createOpenAIGenerator,
  EndpointOptionsSchema,
  type EndpointShared,
  type OpenAIGenerator,
} from "./openai-generator.js";
import { DEFAULT_JUDGE_PROMPT, DEFAULT_REVISER_PROMPT } from "./prompts.js";
import { RateLimitsSchema } from "./rate-limiter.js";
import { type Price, type Progress, type RunSummary, runDataset } from "./run-dataset.js";
import { createStrongerPreferredBuilder } from "./stronger-preferred.js";
import { createTemplateJudge, createTemplateReviser } from "./template-roles.js";

/** A prompt template given as JSON (`--template FILE`). */
export const TemplateSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  system: z.string().default(""),
  user: z.string().min(1),
});

/** The paper's sampling for the reviser and judge (authors' notebook): temperature 0.7, 4096 tokens. */
export const PaperEndpointSchema = EndpointOptionsSchema.extend({
  temperature: z.number().min(0).max(2).default(0.7),
  maxTokens: z.number().int().positive().default(4096),
});

/** The options every command shares: files, concurrency, retries, limits, budget, journal. */
export const CommonSchema = z.object({
  input: z.string().min(1),
  output: z.string().min(1),
  rejects: z.string().min(1).optional(),
  concurrency: z.number().int().positive().default(16),
  retry: z
    .object({
      maxRetries: z.number().int().nonnegative().optional(),
      baseDelayMs: z.number().nonnegative().optional(),
      maxDelayMs: z.number().nonnegative().optional(),
      jitter: z.number().min(0).max(1).optional(),
      maxRetryAfterMs: z.number().nonnegative().optional(),
    })
    .optional(),
  /** Limits of every endpoint that sets none of its own, each account limited on its own. */
  rateLimits: RateLimitsSchema.optional(),
  budget: z
    .object({ maxTokens: z.number().positive().optional(), maxCostUsd: z.number().positive().optional() })
    .optional(),
  fsync: z.boolean().default(true),
  maxConsecutiveFailures: z.number().int().positive().default(20),
  /** Use the OpenAI Batch API (one request per row; every row must carry its `response`). */
  batch: z.object({ pollIntervalMs: z.number().int().positive().default(30_000) }).optional(),
  /** Build the rows of the rejects file again (their records move to `<rejects>.retried.jsonl`). */
  retryRejects: z.boolean().default(false),
  /** The longest input line read, in bytes; default 64 MiB. */
  maxLineBytes: z.number().int().positive().optional(),
});

/**
 * Options of {@link revise} (CLAIR): the reviser endpoint (paper defaults: temperature 0.7, 4096 tokens),
 * the optional policy endpoint for rows without a `response`, the prompt template, the filters.
 *
 * @example
 * ```ts
 * ReviseOptionsSchema.parse({ input: "in.jsonl", output: "out.jsonl", reviser: { baseURL: "https://api.openai.com/v1", model: "gpt-4-turbo" } });
 * ```
 */
export const ReviseOptionsSchema = CommonSchema.extend({
  reviser: PaperEndpointSchema,
  policy: EndpointOptionsSchema.optional(),
  template: TemplateSchema.optional(),
  filters: z
    .object({ maxLengthRatio: z.number().gt(1).optional(), lengthSlack: z.number().nonnegative().optional() })
    .optional(),
});
/** Options of {@link revise} as given. */
export type ReviseOptions = z.input<typeof ReviseOptionsSchema>;

/**
 * Options of {@link judge}: on-policy (two samples of the policy, judged) or off-policy (UltraFeedback-style
 * rows, picked by score or by the judge).
 *
 * @example
 * ```ts
 * JudgeOptionsSchema.parse({ input: "uf.jsonl", output: "out.jsonl", mode: "off-policy", by: "score" });
 * ```
 */
export const JudgeOptionsSchema = CommonSchema.extend({
  mode: z.enum(["on-policy", "off-policy"]).default("on-policy"),
  by: z.enum(["judge", "score"]).default("judge"),
  judge: PaperEndpointSchema.optional(),
  policy: EndpointOptionsSchema.optional(),
  template: TemplateSchema.optional(),
});
/** Options of {@link judge} as given. */
export type JudgeOptions = z.input<typeof JudgeOptionsSchema>;

/**
 * Options of {@link stronger}: the stronger model and the optional policy endpoint.
 *
 * @example
 * ```ts
 * StrongerOptionsSchema.parse({ input: "in.jsonl", output: "out.jsonl", stronger: { baseURL, model: "gpt-4-turbo" } });
 * ```
 */
export const StrongerOptionsSchema = CommonSchema.extend({
  stronger: EndpointOptionsSchema,
  policy: EndpointOptionsSchema.optional(),
});
/** Options of {@link stronger} as given. */
export type StrongerOptions = z.input<typeof StrongerOptionsSchema>;

/**
 * Run-time hooks of the command functions (not serialisable, so not in the options).
 *
 * @example
 * ```ts
 * const controls: RunControls = { stop: stopController.signal, onProgress: (p) => console.error(p.accepted) };
 * ```
 */
export interface RunControls {
  /** Graceful stop: no new rows; rows in flight finish and are written. */
  readonly stop?: AbortSignal;
  /** Hard abort of requests in flight. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
  readonly progressIntervalMs?: number;
  readonly onRetry?: (message: string, attempt: number, delayMs: number) => void;
  readonly onFailure?: (line: number, message: string) => void;
  /** Where API keys are read from; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Batch mode: called with each status seen while polling. */
  readonly onBatchStatus?: (batchId: string, status: string) => void;
  /** Told what the run does on its own (a stale lock taken over, rejects set aside for a retry). */
  readonly onNotice?: (message: string) => void;
}

/** The shared options after defaults. */
export type Common = z.output<typeof CommonSchema>;

/** Makes the run's generators (one rate limiter per account) and collects their prices. */
export interface Endpoints {
  make(options: z.input<typeof EndpointOptionsSchema>): OpenAIGenerator;
  prices: Record<string, Price>;
}

/** The endpoint factory of one run. */
export function endpoints(common: Common, controls: RunControls): Endpoints {
  const limiters = new EndpointLimiters(common.rateLimits);
  const shared: EndpointShared = {
    ...(common.retry === undefined ? {} : { retry: common.retry }),
    ...(controls.env === undefined ? {} : { env: controls.env }),
    ...(controls.onRetry === undefined ? {} : { onRetry: controls.onRetry }),
    ...(controls.stop === undefined ? {} : { stop: controls.stop }),
  };
  const prices: Record<string, Price> = {};
  return {
    prices,
    make(options) {
      const endpoint = validateRecord(EndpointOptionsSchema, options);
      const limiter = limiters.for(endpoint);
      const generator = createOpenAIGenerator(
        endpoint,
        limiter === undefined ? shared : { ...shared, limiter },
      );
      if (generator.endpoint.price !== undefined) prices[generator.model] = generator.endpoint.price;
      return generator;
    },
  };
}

/** Runs a builder with the run's options: live ({@link runDataset}) or through the Batch API. */
export async function execute<T, R extends JournalRow>(
  builder: DatasetBuilder<T, R>,
  common: Common,
  controls: RunControls,
  prices: Record<string, Price>,
  batchGenerator?: OpenAIGenerator,
): Promise<RunSummary> {
  const base = {
    builder,
    input: common.input,
    output: common.output,
    concurrency: common.concurrency,
    fsync: common.fsync,
    maxConsecutiveFailures: common.maxConsecutiveFailures,
    retryRejects: common.retryRejects,
    prices,
    ...(common.maxLineBytes === undefined ? {} : { maxLineBytes: common.maxLineBytes }),
    ...(controls.onNotice === undefined ? {} : { onNotice: controls.onNotice }),
    ...(common.rejects === undefined ? {} : { rejects: common.rejects }),
    ...(common.budget === undefined ? {} : { budget: common.budget }),
    ...(controls.stop === undefined ? {} : { stop: controls.stop }),
    ...(controls.signal === undefined ? {} : { signal: controls.signal }),
    ...(controls.onProgress === undefined ? {} : { onProgress: controls.onProgress }),
    ...(controls.progressIntervalMs === undefined ? {} : { progressIntervalMs: controls.progressIntervalMs }),
    ...(controls.onFailure === undefined ? {} : { onFailure: controls.onFailure }),
  };
  if (common.batch !== undefined && batchGenerator !== undefined) {
    return runBatch({
      ...base,
      generator: batchGenerator,
      pollIntervalMs: common.batch.pollIntervalMs,
      ...(controls.onBatchStatus === undefined ? {} : { onStatus: controls.onBatchStatus }),
    });
  }
  return runDataset(base);
}

/**
 * Builds a CLAIR dataset (y_l = M(x) or the row's `response`, y_w = Reviser(x, y_l)) over OpenAI-compatible
 * endpoints, with the journal of {@link runDataset}; the function behind `clair revise`.
 *
 * @throws {InvalidFieldError} naming the invalid option (dotted path, e.g. `reviser.baseURL`).
 * @example
 * ```ts
 * const summary = await revise({
 *   input: "prompts.jsonl", output: "clair.jsonl",
 *   reviser: { baseURL: "https://api.openai.com/v1", model: "gpt-4-turbo" },
 *   policy: { baseURL: "http://localhost:8000/v1", model: "meta-llama/Meta-Llama-3-8B-Instruct", apiKeyEnv: "VLLM_KEY" },
 * });
 * ```
 */
export async function revise(options: ReviseOptions, controls: RunControls = {}): Promise<RunSummary> {
  const o = validateRecord(ReviseOptionsSchema, options);
  const { make, prices } = endpoints(o, controls);
  const reviserGenerator = make(o.reviser);
  const reviser = createTemplateReviser(reviserGenerator, o.template ?? DEFAULT_REVISER_PROMPT);
  const builder = createClairBuilder({
    reviser,
    ...(o.policy === undefined ? {} : { policy: make(o.policy) }),
    ...(o.filters === undefined ? {} : { filters: o.filters }),
  });
  return execute(builder, o, controls, prices, reviserGenerator);
}

/**
 * Builds an on-policy or off-policy judge dataset; the function behind `clair judge`.
 *
 * @throws {InvalidFieldError} naming the missing or invalid option (e.g. `judge` when `by` is `judge`).
 * @example
 * ```ts
 * await judge({ input: "ultrafeedback.jsonl", output: "offpolicy.jsonl", mode: "off-policy", by: "score" });
 * ```
 */
export async function judge(options: JudgeOptions, controls: RunControls = {}): Promise<RunSummary> {
  const o = validateRecord(JudgeOptionsSchema, options);
  const { make, prices } = endpoints(o, controls);
  const needJudge = o.mode === "on-policy" || o.by === "judge";
  if (needJudge && o.judge === undefined) {
    throw new InvalidFieldError("judge", `required for mode "${o.mode}" with by "${o.by}"`);
  }
  const judgeGenerator = needJudge && o.judge !== undefined ? make(o.judge) : undefined;
  const theJudge =
    judgeGenerator === undefined
      ? undefined
      : createTemplateJudge(judgeGenerator, o.template ?? DEFAULT_JUDGE_PROMPT);
  if (o.mode === "on-policy") {
    if (o.policy === undefined) throw new InvalidFieldError("policy", 'required for mode "on-policy"');
    const builder = createOnPolicyJudgeBuilder({ policy: make(o.policy!), judge: theJudge! });
    return execute(builder, o, controls, prices);
  }
  const builder = createOffPolicyJudgeBuilder(
    theJudge === undefined ? { by: "score" } : { by: "judge", judge: theJudge },
  );
  return execute(builder, o, controls, prices, judgeGenerator);
}

/**
 * Builds a stronger-preferred dataset (y_l = M(x) or the row's `response`, y_w = Stronger(x)); the
 * function behind `clair stronger`.
 *
 * @example
 * ```ts
 * await stronger({ input: "prompts.jsonl", output: "stronger.jsonl", stronger: { baseURL, model: "gpt-4-turbo" } });
 * ```
 */
export async function stronger(options: StrongerOptions, controls: RunControls = {}): Promise<RunSummary> {
  const o = validateRecord(StrongerOptionsSchema, options);
  const { make, prices } = endpoints(o, controls);
  const strongerGenerator = make(o.stronger);
  const builder = createStrongerPreferredBuilder({
    stronger: strongerGenerator,
    ...(o.policy === undefined ? {} : { policy: make(o.policy) }),
  });
  return execute(builder, o, controls, prices, strongerGenerator);
}
