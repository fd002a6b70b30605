import { stat } from "node:fs/promises";
import { z } from "zod";
import { AnchorValueSchema, createJudgeAnchorBuilder } from "./anchor-builder.js";
import {
  CommonSchema,
  endpoints,
  execute,
  PaperEndpointSchema,
  type RunControls,
  TemplateSchema,
} from "./commands.js";
import { InvalidFieldError } from "./errors.js";
import { DEFAULT_MAX_LINE_BYTES, readJsonl, validateRecord } from "./jsonl.js";
import { createMarginAnchorBuilder, readReferenceLogProbs } from "./margin-anchor.js";
import { EndpointOptionsSchema } from "./openai-generator.js";
import { DEFAULT_JUDGE_PROMPT } from "./prompts.js";
import type { RunSummary } from "./run-dataset.js";
import { createTemplateJudge } from "./template-roles.js";

/**
 * Options of {@link anchor}: where anchors come from (`judge`, default, or `margin`), the judge and the
 * policy endpoints, the field with the model's answer, the anchor of a tie, and the margin rule's knobs.
 *
 * @example
 * ```ts
 * AnchorOptionsSchema.parse({ input: "clair.jsonl", output: "anchored.jsonl", responseField: "rejected", judge: { baseURL, model: "gpt-4-turbo" } });
 * ```
 */
export const AnchorOptionsSchema = CommonSchema.extend({
  anchorFrom: z.enum(["judge", "margin"]).default("judge"),
  judge: PaperEndpointSchema.optional(),
  /** The target model, to sample its answer for rows without one. */
  policy: EndpointOptionsSchema.optional(),
  template: TemplateSchema.optional(),
  /** The field holding the model's own answer; default `response` (`rejected` in a CLAIR file). */
  responseField: z.string().min(1).default("response"),
  /** The anchor of a split verdict (or of a model answer equal to the chosen one); default 0.5. */
  tie: AnchorValueSchema.default(0.5),
  /** `margin`: anchor down above this margin (nats, per token by default); default 0. */
  marginThreshold: z.number().default(0),
  /** `margin`: soft anchors σ((m − threshold) / scale). */
  marginScale: z.number().positive().optional(),
  marginUnit: z.enum(["token", "sequence"]).default("token"),
  /** `margin`: `apo logprobs` output for the input, when its rows do not carry the log-probs. */
  logprobs: z.string().min(1).optional(),
});
/** Options of {@link anchor} as given. */
export type AnchorOptions = z.input<typeof AnchorOptionsSchema>;

/**
 * What {@link anchor} reports beyond the run: the anchors of every row of the output (this run's and
 * earlier runs'), what decided them, and the judge's unparseable replies (rejected rows included).
 *
 * @example
 * ```ts
 * const { anchors } = await anchor(options);
 * console.log(anchors.zero, anchors.down, anchors.mixed);
 * ```
 */
export interface AnchorSummary extends RunSummary {
  /** Rows anchored `"zero"`, `"down"`, and with a number (a tie default or a soft margin). */
  readonly anchors: { readonly zero: number; readonly down: number; readonly mixed: number };
  /** Output rows by `meta.verdict`: chosen, model, split, identical, margin. */
  readonly verdicts: Readonly<Record<string, number>>;
  readonly unparseableReplies: number;
}

async function tallyAnchors(
  summary: RunSummary,
): Promise<Pick<AnchorSummary, "anchors" | "verdicts" | "unparseableReplies">> {
  const anchors = { zero: 0, down: 0, mixed: 0 };
  const verdicts: Record<string, number> = {};
  let unparseable = 0;
  const read = { maxLineBytes: DEFAULT_MAX_LINE_BYTES };
  const exists = (path: string) =>
    stat(path).then(
      () => true,
      () => false,
    );
  if (await exists(summary.output)) {
    for await (const { value } of readJsonl(summary.output, read)) {
      const a = value.anchor;
      if (a === "zero") anchors.zero += 1;
      else if (a === "down") anchors.down += 1;
      else anchors.mixed += 1;
      const meta = value.meta as { verdict?: string; unparseable?: number };
      const verdict = meta.verdict ?? "?";
      verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
      unparseable += meta.unparseable ?? 0;
    }
  }
  if (await exists(summary.rejects)) {
    for await (const { value } of readJsonl(summary.rejects, read))
      unparseable += (value.meta as { unparseable?: number } | undefined)?.unparseable ?? 0;
  }
  return { anchors, verdicts, unparseableReplies: unparseable };
}

/**
 * Fills `anchor` for every pair of a pair file, for `apo train --loss apo_anchored`; the function behind
 * `clair anchor`. With the judge (default), the pair's chosen answer is compared with the target model's
 * own answer (the row's `responseField`, or a sample of `policy`) in both orders: chosen wins both →
 * `"zero"`, the model wins both → `"down"`, split → `tie` (see {@link createJudgeAnchorBuilder}). With
 * `anchorFrom: "margin"`, a judge-free heuristic on reference log-probs decides (see
 * {@link createMarginAnchorBuilder}). Journaled and resumable like every command; the output rows are the
 * input rows with `anchor` and `meta`.
 *
 * @throws {InvalidFieldError} naming the option that is missing or invalid, or the file, line and field of
 * a row that lacks what the chosen rule needs, before any request.
 * @example
 * ```ts
 * const summary = await anchor({
 *   input: "clair.jsonl", output: "anchored.jsonl", responseField: "rejected",
 *   judge: { baseURL: "https://api.openai.com/v1", model: "gpt-4-turbo" }, tie: "zero",
 * });
 * console.log(summary.anchors);
 * ```
 */
export async function anchor(options: AnchorOptions, controls: RunControls = {}): Promise<AnchorSummary> {
  const o = validateRecord(AnchorOptionsSchema, options);
  if (o.batch !== undefined)
    throw new InvalidFieldError("batch", "not supported by anchor (each row makes two to five requests)");
  let summary: RunSummary;
  if (o.anchorFrom === "margin") {
    const lookup =
      o.logprobs === undefined
        ? undefined
        : await readReferenceLogProbs(o.logprobs, o.input, { maxLineBytes: o.maxLineBytes });
    const builder = createMarginAnchorBuilder({
      threshold: o.marginThreshold,
      unit: o.marginUnit,
      ...(o.marginScale === undefined ? {} : { scale: o.marginScale }),
      ...(lookup === undefined ? {} : { lookup }),
    });
    summary = await execute(builder, o, controls, {});
  } else {
    if (o.judge === undefined)
      throw new InvalidFieldError("judge", 'required with anchorFrom "judge" (or use anchorFrom "margin")');
    const { make, prices } = endpoints(o, controls);
    const builder = createJudgeAnchorBuilder({
      judge: createTemplateJudge(make(o.judge), o.template ?? DEFAULT_JUDGE_PROMPT),
      responseField: o.responseField,
      tie: o.tie,
      ...(o.policy === undefined ? {} : { policy: make(o.policy) }),
    });
    summary = await execute(builder, o, controls, prices);
  }
  return { ...summary, ...(await tallyAnchors(summary)) };
}
