import { z } from "zod";
import { type DatasetBuilder, type JournalRow, type RowContext, RowTrace } from "./builder.js";
import {
  answerText,
  type ChatAnswer,
  ChatAnswerSchema,
  ChatPromptSchema,
  promptMessages,
  promptText,
} from "./chat-prompt.js";
import { InvalidFieldError } from "./errors.js";
import { judgeBothOrders, judgeOptions } from "./judge-both-orders.js";
import type { RowMeta } from "./records.js";
import type { Generator, Judge } from "./roles.js";
import { sampleReply } from "./sample.js";

/**
 * A pair's anchor, as `apo train --loss apo_anchored` reads it: `"zero"` (weight 0: APO-zero, the chosen
 * answer is better than the model's own, push it up), `"down"` (weight 1: APO-down, the model is already
 * better, push both down, the rejected one more) or a weight in [0, 1] mixing the two.
 *
 * @example
 * ```ts
 * AnchorValueSchema.parse("down"); AnchorValueSchema.parse(0.5);
 * ```
 */
export const AnchorValueSchema = z.union([z.literal("zero"), z.literal("down"), z.number().min(0).max(1)]);
/** A pair's anchor (see {@link AnchorValueSchema}). */
export type AnchorValue = z.infer<typeof AnchorValueSchema>;

/**
 * A row of a pair file to anchor: TRL's explicit-prompt form (`prompt` and `chosen`, strings or message
 * lists); every other field (`rejected`, the model's answer, log-probs, …) is kept as it is.
 *
 * @example
 * ```ts
 * PairRowSchema.parse({ prompt: "2+2?", chosen: "4", rejected: "5", response: "5" });
 * ```
 */
export const PairRowSchema = z.looseObject({
  prompt: ChatPromptSchema,
  chosen: ChatAnswerSchema,
  id: z.union([z.string(), z.number()]).optional(),
});
/** A row of a pair file (see {@link PairRowSchema}). */
export type PairRow = z.infer<typeof PairRowSchema>;

/**
 * An output row of `clair anchor`: the input row's fields unchanged (its `id` moved to `meta.inputId`, its
 * `meta` to `meta.inputMeta`), `anchor` filled in, and the provenance in `meta`.
 *
 * @example
 * ```ts
 * const row: AnchoredRow = { id: "L1-ab", prompt: "2+2?", chosen: "4", rejected: "5", anchor: "zero", meta };
 * ```
 */
export interface AnchoredRow extends JournalRow {
  readonly anchor: AnchorValue;
  readonly meta: RowMeta;
  readonly [field: string]: unknown;
}

/**
 * The anchored copy of `row`: `id` first (the journal's key), the input's fields in their order, then
 * `anchor` (replacing any the row had) and `meta`.
 */
export function anchoredRow(
  row: PairRow,
  context: RowContext,
  anchor: AnchorValue,
  meta: RowMeta,
): AnchoredRow {
  const out: Record<string, unknown> = { id: context.key };
  for (const [field, value] of Object.entries(row)) {
    if (field !== "id" && field !== "meta" && field !== "anchor") out[field] = value;
  }
  const inputMeta = (row as { meta?: unknown }).meta;
  out.anchor = anchor;
  out.meta = inputMeta === undefined ? meta : { ...meta, inputMeta };
  return out as AnchoredRow;
}

/**
 * Options of {@link createJudgeAnchorBuilder}.
 *
 * @example
 * ```ts
 * const options: JudgeAnchorOptions = { judge: createTemplateJudge(gpt4), policy: llama, tie: "zero" };
 * ```
 */
export interface JudgeAnchorOptions {
  readonly judge: Judge;
  /** The target model M, to sample its answer when a row has none in `responseField`. */
  readonly policy?: Generator;
  /** The row field holding the model's own answer; default `response` (a CLAIR file has it in `rejected`). */
  readonly responseField?: string;
  /** The anchor of a split verdict or of a model answer equal to the chosen one; default 0.5. */
  readonly tie?: AnchorValue;
}

function modelAnswerIn(row: PairRow, field: string): ChatAnswer | undefined {
  const value = (row as Record<string, unknown>)[field];
  if (value === undefined) return undefined;
  const parsed = ChatAnswerSchema.safeParse(value);
  if (!parsed.success)
    throw new InvalidFieldError(
      field,
      "expected the model's answer: a string, or messages ending with the assistant's",
    );
  return parsed.data;
}

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}

/**
 * The judge-anchor builder behind `clair anchor`: for each pair, is its chosen answer better than the
 * target model's own answer to the prompt (the row's `responseField`, or a sample of `policy`)? The
 * judge (the paper's Table 3 prompt by default) answers in both orders ({@link judgeBothOrders}), and the
 * paper's finding (section 5.3.2: "APO-zero is the best objective when winning outputs are generally
 * better than the target model's answers", APO-down when they are worse) picks the anchor, per pair
 * rather than per dataset, as its section 7 proposes.
 *
 * ```text
 * y_M = the row's answer, or M(x)
 * chosen wins both orders → "zero";  y_M wins both → "down";  split, or y_M = chosen → tie (default 0.5)
 * ```
 *
 * A judge reply that names neither answer (or both) is asked again once; a second one rejects the row
 * (`unparseable`, with every reply in `meta.raw.judge`) and `meta.unparseable` counts them.
 *
 * @example
 * ```ts
 * const builder = createJudgeAnchorBuilder({ judge: createTemplateJudge(gpt4), responseField: "rejected" });
 * await runDataset({ builder, input: "clair.jsonl", output: "anchored.jsonl" });
 * ```
 */
export function createJudgeAnchorBuilder(options: JudgeAnchorOptions): DatasetBuilder<PairRow, AnchoredRow> {
  const field = options.responseField ?? "response";
  const tie = options.tie ?? 0.5;
  return {
    kind: "anchor",
    schema: PairRowSchema,
    prompt: (row) => promptText(row.prompt),
    check(row) {
      if (modelAnswerIn(row, field) === undefined && options.policy === undefined) {
        throw new InvalidFieldError(
          field,
          `absent, and no policy model was given to sample the model's answer: give every row its "${field}" (--response-field names another field), or a policy endpoint (--policy-model, --policy-base-url)`,
        );
      }
    },
    async build(row, context, signal) {
      const trace = new RowTrace();
      const prompt = promptText(row.prompt);
      const given = modelAnswerIn(row, field);
      const model =
        given !== undefined
          ? answerText(given)
          : await sampleReply(options.policy!, promptMessages(row.prompt), trace, "policy", signal);
      const chosen = answerText(row.chosen);
      if (normalise(model) === normalise(chosen)) {
        return trace.acceptRow(
          anchoredRow(row, context, tie, trace.meta("anchor", context, { verdict: "identical" })),
        );
      }
      const verdict = await judgeBothOrders(
        options.judge,
        { prompt, a: chosen, b: model },
        judgeOptions(trace, signal),
      );
      trace.raw.judge = [...verdict.replies];
      if (!verdict.ok) {
        return trace.reject("anchor", context, prompt, "unparseable", verdict.detail, {
          unparseable: verdict.unparseable,
        });
      }
      const label = { a: "chosen", b: "model" } as const;
      const anchor = verdict.winner === "a" ? "zero" : verdict.winner === "b" ? "down" : tie;
      const meta = trace.meta("anchor", context, {
        verdict: verdict.winner === "split" ? "split" : label[verdict.winner],
        votes: verdict.votes.map((vote) => label[vote]),
        unparseable: verdict.unparseable,
      });
      return trace.acceptRow(anchoredRow(row, context, anchor, meta));
    },
  };
}
