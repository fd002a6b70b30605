import { type DatasetBuilder, RowTrace } from "./builder.js";
import { checkRevision, type FilterOptions } from "./filters.js";
import { type InputRow, InputRowSchema } from "./records.js";
import type { Generator, Reviser } from "./roles.js";
import { checkAnswerSource, policyAnswer } from "./sample.js";

/**
 * Options of the CLAIR builder.
 *
 * @example
 * ```ts
 * const options: ClairOptions = { reviser, policy, filters: { maxLengthRatio: 2 } };
 * ```
 */
export interface ClairOptions {
  /** The Reviser (see {@link createTemplateReviser} for the paper's prompt over any generator). */
  readonly reviser: Reviser;
  /** The target model M, to sample y_l when an input row has no `response`. */
  readonly policy?: Generator;
  readonly filters?: FilterOptions;
}

/**
 * The CLAIR builder (paper eq. 1): y_l = M(x) (or the input's `response`), y_w = Reviser(x, y_l); the pair
 * is kept when the revision parses and passes the filters ({@link checkRevision}).
 *
 * ```text
 * y_l = M(x)
 * y_w = Reviser(x, y_l)
 * ```
 *
 * @example
 * ```ts
 * const builder = createClairBuilder({ reviser: createTemplateReviser(gpt4), policy: llama });
 * await runDataset({ builder, input: "prompts.jsonl", output: "clair.jsonl" });
 * ```
 */
export function createClairBuilder(options: ClairOptions): DatasetBuilder<InputRow> {
  return {
    kind: "clair",
    schema: InputRowSchema,
    prompt: (row) => row.prompt,
    check: (row) => checkAnswerSource(row, options.policy),
    async build(row, context, signal) {
      const trace = new RowTrace();
      const rejected = await policyAnswer(row, options.policy, trace, context, signal);
      if (rejected.trim() === "") {
        return trace.reject("clair", context, row.prompt, "empty-answer", "the answer to revise is empty");
      }
      const revised = await options.reviser.revise({ prompt: row.prompt, response: rejected }, signal);
      trace.record("reviser", revised.model, revised.usage, revised.raw);
      trace.template = revised.template;
      if (!revised.parsed.ok) {
        const { reason, detail } = revised.parsed;
        return trace.reject("clair", context, row.prompt, "unparseable", `${reason}: ${detail}`);
      }
      const verdict = checkRevision(revised.parsed.revision, rejected, options.filters);
      if (!verdict.ok) return trace.reject("clair", context, row.prompt, verdict.reason, verdict.detail);
      return trace.accept("clair", context, {
        prompt: row.prompt,
        chosen: revised.parsed.revision,
        rejected,
        rationale: revised.parsed.rationale,
      });
    },
  };
}
