import { type DatasetBuilder, RowTrace } from "./builder.js";
import { checkPair } from "./filters.js";
import { type InputRow, InputRowSchema } from "./records.js";
import type { Generator, Stronger } from "./roles.js";
import { checkAnswerSource, policyAnswer, sampleAnswers } from "./sample.js";

/**
 * Options of the stronger-preferred builder.
 *
 * @example
 * ```ts
 * const options: StrongerPreferredOptions = { stronger: gpt4, policy: llama };
 * ```
 */
export interface StrongerPreferredOptions {
  readonly stronger: Stronger;
  /** The target model M, to sample y_l when an input row has no `response`. */
  readonly policy?: Generator;
}

/**
 * The stronger-preferred builder (paper eq. 4): y_l = M(x), y_w = Stronger(x), the stronger model's own
 * answer without revision (the ablation that separates contrastiveness from answer quality).
 *
 * ```text
 * y_l = M(x)
 * y_w = Stronger(x)
 * ```
 *
 * @example
 * ```ts
 * const builder = createStrongerPreferredBuilder({ stronger: gpt4, policy: llama });
 * ```
 */
export function createStrongerPreferredBuilder(options: StrongerPreferredOptions): DatasetBuilder<InputRow> {
  return {
    kind: "stronger-preferred",
    schema: InputRowSchema,
    prompt: (row) => row.prompt,
    check: (row) => checkAnswerSource(row, options.policy),
    async build(row, context, signal) {
      const trace = new RowTrace();
      const rejected = await policyAnswer(row, options.policy, trace, context, signal);
      const [chosen = ""] = await sampleAnswers(options.stronger, row.prompt, 1, trace, "stronger", signal);
      const pair = checkPair(chosen, rejected);
      if (!pair.ok) return trace.reject("stronger-preferred", context, row.prompt, pair.reason, pair.detail);
      return trace.accept("stronger-preferred", context, {
        prompt: row.prompt,
        chosen,
        rejected,
        rationale: "",
      });
    },
  };
}
