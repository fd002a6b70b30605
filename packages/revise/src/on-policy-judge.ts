import { type DatasetBuilder, RowTrace } from "./builder.js";
import { checkPair } from "./filters.js";
import { type InputRow, InputRowSchema } from "./records.js";
import type { Generator, Judge } from "./roles.js";
import { sampleAnswers } from "./sample.js";

/**
 * Options of the on-policy judge builder.
 *
 * @example
 * ```ts
 * const options: OnPolicyJudgeOptions = { policy: llama, judge: createTemplateJudge(gpt4) };
 * ```
 */
export interface OnPolicyJudgeOptions {
  /** The target model M; sample with a temperature above 0 so that the two answers differ. */
  readonly policy: Generator;
  readonly judge: Judge;
}

/**
 * The on-policy judge builder (paper eq. 2): two samples of M, the Judge picks the winner. Identical
 * samples and judgments without exactly one of `[1]`/`[2]` are rejected.
 *
 * ```text
 * y_1, y_2 = M(x), M(x)
 * y_w, y_l = Judge(x, y_1, y_2)
 * ```
 *
 * @example
 * ```ts
 * const builder = createOnPolicyJudgeBuilder({ policy: llama, judge: createTemplateJudge(gpt4) });
 * ```
 */
export function createOnPolicyJudgeBuilder(options: OnPolicyJudgeOptions): DatasetBuilder<InputRow> {
  return {
    kind: "on-policy-judge",
    schema: InputRowSchema,
    prompt: (row) => row.prompt,
    async build(row, context, signal) {
      const trace = new RowTrace();
      const [first = "", second = ""] = await sampleAnswers(
        options.policy,
        row.prompt,
        2,
        trace,
        "policy",
        signal,
      );
      const pair = checkPair(first, second);
      if (!pair.ok) return trace.reject("on-policy-judge", context, row.prompt, pair.reason, pair.detail);
      const judged = await options.judge.judge({ prompt: row.prompt, responses: [first, second] }, signal);
      trace.record("judge", judged.model, judged.usage, judged.raw);
      trace.template = judged.template;
      if (!judged.parsed.ok) {
        const { reason, detail } = judged.parsed;
        return trace.reject("on-policy-judge", context, row.prompt, "unparseable", `${reason}: ${detail}`);
      }
      const winner = judged.parsed.winner;
      return trace.accept(
        "on-policy-judge",
        context,
        {
          prompt: row.prompt,
          chosen: winner === 1 ? first : second,
          rejected: winner === 1 ? second : first,
          rationale: judged.parsed.rationale,
        },
        { winner },
      );
    },
  };
}
