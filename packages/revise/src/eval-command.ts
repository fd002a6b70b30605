import { z } from "zod";
import { type AnswerScorer, regexScorer } from "./answer-scorer.js";
import {
  CommonSchema,
  endpoints,
  execute,
  PaperEndpointSchema,
  type RunControls,
  TemplateSchema,
} from "./commands.js";
import { InvalidFieldError, ReviseError } from "./errors.js";
import { createPairwiseEvalBuilder } from "./eval-builder.js";
import { type EvalReport, readEvalReport, writeEvalReport } from "./eval-report.js";
import { validateRecord } from "./jsonl.js";
import { EndpointOptionsSchema } from "./openai-generator.js";
import { DEFAULT_JUDGE_PROMPT } from "./prompts.js";
import type { RunSummary } from "./run-dataset.js";
import { createTemplateJudge } from "./template-roles.js";

/**
 * Options of {@link evaluate}: the candidate and baseline endpoints (rows may carry the answers instead),
 * the judge, or a scorer for verifiable answers (`score`, a function, or `answerRegex` with the expected
 * answer in `answerField`), the bootstrap, and where the reports go.
 *
 * @example
 * ```ts
 * EvalOptionsSchema.parse({ input: "heldout.jsonl", output: "eval.jsonl", candidate, baseline, judge });
 * ```
 */
export const EvalOptionsSchema = CommonSchema.extend({
  /** The model under test (an `apo serve` of the aligned checkpoint, say). */
  candidate: EndpointOptionsSchema.optional(),
  /** The model it is compared with (the model before alignment). */
  baseline: EndpointOptionsSchema.optional(),
  judge: PaperEndpointSchema.optional(),
  template: TemplateSchema.optional(),
  /** Verifiable answers: scores one answer in [0, 1] (or true/false), instead of the judge. */
  score: z
    .custom<AnswerScorer>(
      (value) => typeof value === "function",
      "expected a function (answer, row) => score",
    )
    .optional(),
  /** Verifiable answers from the command line: the answer is the last match (its first group). */
  answerRegex: z.string().min(1).optional(),
  /** The row field with the expected answer, for `answerRegex`; default `answer`. */
  answerField: z.string().min(1).default("answer"),
  bootstrap: z
    .object({
      resamples: z.number().int().nonnegative().default(1000),
      seed: z.number().int().default(0),
      level: z.number().gt(0).lt(1).default(0.95),
    })
    .prefault({}),
  /** The Markdown report; default `<output>.report.md`. */
  report: z.string().min(1).optional(),
  /** The JSON report; default `<output>.report.json`. */
  json: z.string().min(1).optional(),
});
/** Options of {@link evaluate} as given. */
export type EvalOptions = z.input<typeof EvalOptionsSchema>;

/**
 * What {@link evaluate} returns: the run's summary, the report over every row of the output (earlier
 * runs' included) and where it was written.
 *
 * @example
 * ```ts
 * const { report } = await evaluate(options);
 * report.stats.lcWinRate.value;
 * ```
 */
export interface EvalSummary extends RunSummary {
  readonly report: EvalReport;
  readonly reportFiles: { readonly markdown: string; readonly json: string };
}

/**
 * Pairwise evaluation of a candidate model against a baseline on held-out prompts, both behind
 * OpenAI-compatible endpoints (two `apo serve`s, vLLM, OpenAI): each prompt's two answers are compared by
 * the judge in both orders, or scored on their own when the answers are verifiable; then the win, tie and
 * loss rates and the length-controlled win rate with seeded bootstrap intervals, as Markdown and JSON;
 * the function behind `clair eval`. Journaled and resumable like every command: the report is computed
 * over every row of the output, so a resumed run reports on all of them.
 *
 * @throws {InvalidFieldError} naming the option that is missing or invalid, or the file, line and field of
 * a row without what the run needs (its answers, the expected answer), before any request.
 * @example
 * ```ts
 * const { report, reportFiles } = await evaluate({
 *   input: "heldout.jsonl", output: "eval.jsonl",
 *   candidate: { baseURL: "http://localhost:8001/v1", model: "aligned", apiKeyEnv: "LOCAL_KEY" },
 *   baseline: { baseURL: "http://localhost:8002/v1", model: "base", apiKeyEnv: "LOCAL_KEY" },
 *   judge: { baseURL: "https://api.openai.com/v1", model: "gpt-4-turbo" },
 * });
 * console.log(report.stats.winRate, reportFiles.markdown);
 * ```
 */
export async function evaluate(options: EvalOptions, controls: RunControls = {}): Promise<EvalSummary> {
  const o = validateRecord(EvalOptionsSchema, options);
  if (o.batch !== undefined)
    throw new InvalidFieldError("batch", "not supported by eval (each row makes up to six requests)");
  if (o.score !== undefined && o.answerRegex !== undefined)
    throw new InvalidFieldError("answerRegex", "give a scorer function or a pattern, not both");
  let score = o.score;
  if (o.answerRegex !== undefined) {
    try {
      score = regexScorer(o.answerRegex, o.answerField);
    } catch (error) {
      if (ReviseError.isInstance(error)) throw new InvalidFieldError("answerRegex", error.message);
      throw error;
    }
  }
  const { make, prices } = endpoints(o, controls);
  if (score === undefined && o.judge === undefined) {
    throw new InvalidFieldError("judge", "required unless the answers are scored (score, answerRegex)");
  }
  const builder = createPairwiseEvalBuilder({
    ...(o.candidate === undefined ? {} : { candidate: make(o.candidate) }),
    ...(o.baseline === undefined ? {} : { baseline: make(o.baseline) }),
    ...(score === undefined
      ? { judge: createTemplateJudge(make(o.judge!), o.template ?? DEFAULT_JUDGE_PROMPT) }
      : { score }),
  });
  const summary = await execute(builder, o, controls, prices);
  const report = await readEvalReport(summary.output, { rejects: summary.rejects, bootstrap: o.bootstrap });
  const reportFiles = {
    markdown: o.report ?? `${summary.output}.report.md`,
    json: o.json ?? `${summary.output}.report.json`,
  };
  await writeEvalReport(report, reportFiles);
  return { ...summary, report, reportFiles };
}
