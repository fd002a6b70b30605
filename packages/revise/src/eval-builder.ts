import { z } from "zod";
import type { AnswerScorer } from "./answer-scorer.js";
import { type DatasetBuilder, type JournalRow, RowTrace } from "./builder.js";
import { type ChatPrompt, ChatPromptSchema, promptMessages, promptText } from "./chat-prompt.js";
import { InvalidFieldError, ReviseError } from "./errors.js";
import { judgeBothOrders, judgeOptions } from "./judge-both-orders.js";
import type { RowMeta } from "./records.js";
import type { Generator, Judge } from "./roles.js";
import { sampleReply } from "./sample.js";

/**
 * A row of `clair eval`'s input: a held-out prompt (a string or messages), and optionally the answers
 * already sampled (`candidate`, `baseline`); other fields (an expected answer) are kept for the scorer.
 *
 * @example
 * ```ts
 * EvalRowSchema.parse({ prompt: "What is 6 * 7?", answer: "42" });
 * ```
 */
export const EvalRowSchema = z.looseObject({
  prompt: ChatPromptSchema,
  candidate: z.string().optional(),
  baseline: z.string().optional(),
  id: z.union([z.string(), z.number()]).optional(),
});
/** A row of `clair eval`'s input (see {@link EvalRowSchema}). */
export type EvalRow = z.infer<typeof EvalRowSchema>;

/**
 * How one comparison came out for the candidate: `win` (preference 1), `tie` (0.5), `loss` (0).
 *
 * @example
 * ```ts
 * const outcome: EvalOutcome = "tie";
 * ```
 */
export type EvalOutcome = "win" | "tie" | "loss";

/**
 * An output row of `clair eval`: both answers, the preference for the candidate, their lengths in code
 * points, the scores in the verifiable-answers mode, and the judge's replies and votes in `meta`.
 *
 * @example
 * ```ts
 * const row: EvalResultRow = { id: "L1-ab", prompt: "6*7?", candidate: "42", baseline: "41", preference: 1, outcome: "win", lengths: { candidate: 2, baseline: 2 }, meta };
 * ```
 */
export interface EvalResultRow extends JournalRow {
  readonly prompt: ChatPrompt;
  readonly candidate: string;
  readonly baseline: string;
  readonly preference: 1 | 0.5 | 0;
  readonly outcome: EvalOutcome;
  readonly lengths: { readonly candidate: number; readonly baseline: number };
  readonly scores?: { readonly candidate: number; readonly baseline: number };
  readonly meta: RowMeta;
}

/**
 * Options of {@link createPairwiseEvalBuilder}: where the two answers come from (rows may carry them),
 * and either a judge or a scorer.
 *
 * @example
 * ```ts
 * const options: PairwiseEvalOptions = { candidate: aligned, baseline: original, judge: createTemplateJudge(gpt4) };
 * ```
 */
export interface PairwiseEvalOptions {
  /** The model under test; its answers may also be given in the rows' `candidate`. */
  readonly candidate?: Generator;
  /** The model it is compared with; its answers may also be given in the rows' `baseline`. */
  readonly baseline?: Generator;
  /** Compares the two answers in both orders. */
  readonly judge?: Judge;
  /** Verifiable answers: scores each answer on its own instead of a judge (see {@link regexScorer}). */
  readonly score?: AnswerScorer;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}

async function scoreOf(
  score: AnswerScorer,
  answer: string,
  row: EvalRow,
  which: string,
  line: number,
): Promise<number> {
  const value = await score(answer, row);
  const n = value === true ? 1 : value === false ? 0 : value;
  if (typeof n !== "number" || !(n >= 0 && n <= 1)) {
    throw new ReviseError(
      "INVALID_OPTION",
      `the scorer gave ${JSON.stringify(value)} for the ${which} answer of line ${line}: a score is a number in [0, 1] or a boolean`,
    );
  }
  return n;
}

/**
 * The pairwise evaluation builder behind `clair eval`: per held-out prompt, the candidate's and the
 * baseline's answers (sampled at once, or taken from the row), then either the judge in both orders
 * ({@link judgeBothOrders}: won both → 1, lost both → 0, split → 0.5; equal answers are a tie without a
 * call) or, in the verifiable-answers mode, the scorer on each answer (the higher score wins, equal
 * scores tie). Summaries over the rows: {@link summarisePairwise}.
 *
 * ```text
 * preference = 1 if the candidate wins both orders, 0 if the baseline does, 0.5 otherwise
 * preference = 1 if score(candidate) > score(baseline), 0 if <, 0.5 if =     (verifiable mode)
 * ```
 *
 * A judge reply naming neither answer is asked again once; a second one rejects the row (`unparseable`).
 *
 * @throws {InvalidFieldError} from `check`, before any request: a row without its `candidate` (or
 * `baseline`) answer where no endpoint samples it, or without the field the scorer needs.
 * @example
 * ```ts
 * const builder = createPairwiseEvalBuilder({ candidate: aligned, baseline: original, judge: createTemplateJudge(gpt4) });
 * await runDataset({ builder, input: "heldout.jsonl", output: "eval.jsonl" });
 * ```
 */
export function createPairwiseEvalBuilder(
  options: PairwiseEvalOptions,
): DatasetBuilder<EvalRow, EvalResultRow> {
  if (options.judge === undefined && options.score === undefined) {
    throw new InvalidFieldError(
      "judge",
      "required unless a scorer checks the answers (score, --answer-regex)",
    );
  }
  const answer = async (
    row: EvalRow,
    side: "candidate" | "baseline",
    trace: RowTrace,
    signal: AbortSignal | undefined,
  ): Promise<string> => {
    const given = row[side];
    if (given !== undefined) return given;
    return sampleReply(options[side]!, promptMessages(row.prompt), trace, side, signal, false);
  };
  return {
    kind: "eval",
    schema: EvalRowSchema,
    prompt: (row) => promptText(row.prompt),
    check(row) {
      for (const side of ["candidate", "baseline"] as const) {
        if (row[side] === undefined && options[side] === undefined) {
          throw new InvalidFieldError(
            side,
            `absent, and no ${side} endpoint was given to sample it: give every row its "${side}" answer, or --${side}-model and --${side}-base-url`,
          );
        }
      }
      if (options.score !== undefined) options.score.check?.(row);
    },
    async build(row, context, signal) {
      const trace = new RowTrace();
      const [candidate, baseline] = await Promise.all([
        answer(row, "candidate", trace, signal),
        answer(row, "baseline", trace, signal),
      ]);
      const lengths = { candidate: codePoints(candidate), baseline: codePoints(baseline) };
      const result = (preference: 1 | 0.5 | 0, extra: Partial<RowMeta>, scores?: EvalResultRow["scores"]) =>
        trace.acceptRow<EvalResultRow>({
          id: context.key,
          prompt: row.prompt,
          candidate,
          baseline,
          preference,
          outcome: preference === 1 ? "win" : preference === 0 ? "loss" : "tie",
          lengths,
          ...(scores === undefined ? {} : { scores }),
          meta: trace.meta("eval", context, extra),
        });
      if (options.score !== undefined) {
        const [c, b] = await Promise.all([
          scoreOf(options.score, candidate, row, "candidate", context.line),
          scoreOf(options.score, baseline, row, "baseline", context.line),
        ]);
        return result(c > b ? 1 : c < b ? 0 : 0.5, {}, { candidate: c, baseline: b });
      }
      if (normalise(candidate) === normalise(baseline)) return result(0.5, { verdict: "identical" });
      const prompt = promptText(row.prompt);
      const verdict = await judgeBothOrders(
        options.judge!,
        { prompt, a: candidate, b: baseline },
        judgeOptions(trace, signal),
      );
      trace.raw.judge = [...verdict.replies];
      if (!verdict.ok) {
        return trace.reject("eval", context, prompt, "unparseable", verdict.detail, {
          unparseable: verdict.unparseable,
        });
      }
      const label = { a: "candidate", b: "baseline" } as const;
      return result(verdict.winner === "a" ? 1 : verdict.winner === "b" ? 0 : 0.5, {
        votes: verdict.votes.map((vote) => label[vote]),
        unparseable: verdict.unparseable,
      });
    },
  };
}
