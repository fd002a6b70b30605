import { type DatasetBuilder, RowTrace } from "./builder.js";
import { InvalidFieldError } from "./errors.js";
import { checkPair } from "./filters.js";
import { type Candidate, type CandidateRow, CandidateRowSchema } from "./records.js";
import type { Judge } from "./roles.js";

/**
 * Options of the off-policy judge builder: pick by the rows' scores (what the paper did with
 * UltraFeedback) or ask a Judge.
 *
 * @example
 * ```ts
 * const byScore: OffPolicyJudgeOptions = { by: "score" };
 * const byJudge: OffPolicyJudgeOptions = { by: "judge", judge: createTemplateJudge(gpt4) };
 * ```
 */
export type OffPolicyJudgeOptions =
  | { readonly by: "score" }
  | { readonly by: "judge"; readonly judge: Judge };

/**
 * Picks the chosen and rejected candidates by score, as the paper did with UltraFeedback: the highest
 * `overall_score` is chosen, the lowest rejected, ties going to the first index. Returns `undefined` when
 * fewer than two candidates have a score or all scores are equal.
 *
 * @example
 * ```ts
 * pickByScore([{ response: "a", overall_score: 3 }, { response: "b", overall_score: 8 }]); // { chosen: 1, rejected: 0 }
 * ```
 */
export function pickByScore(
  candidates: readonly Candidate[],
): { chosen: number; rejected: number } | undefined {
  let chosen = -1;
  let rejected = -1;
  let best = -Infinity;
  let worst = Infinity;
  candidates.forEach((candidate, index) => {
    const score = candidate.overall_score;
    if (typeof score !== "number" || !Number.isFinite(score)) return;
    if (score > best) {
      best = score;
      chosen = index;
    }
    if (score < worst) {
      worst = score;
      rejected = index;
    }
  });
  if (chosen === -1 || best === worst) return undefined;
  return { chosen, rejected };
}

function promptOf(row: CandidateRow): string {
  const prompt = row.prompt ?? row.instruction;
  if (prompt === undefined) throw new InvalidFieldError("prompt", "absent (give `prompt` or `instruction`)");
  return prompt;
}

/**
 * The off-policy judge builder (paper eq. 3): the candidates come from other models (UltraFeedback-style
 * rows); the pair is picked by score ({@link pickByScore}) or by a Judge over the first two candidates.
 *
 * ```text
 * y_1, y_2 = M'(x), M''(x)
 * y_w, y_l = Judge(x, y_1, y_2)      (or: argmax / argmin of overall_score)
 * ```
 *
 * @example
 * ```ts
 * const builder = createOffPolicyJudgeBuilder({ by: "score" });
 * ```
 */
export function createOffPolicyJudgeBuilder(options: OffPolicyJudgeOptions): DatasetBuilder<CandidateRow> {
  return {
    kind: "off-policy-judge",
    schema: CandidateRowSchema,
    prompt: promptOf,
    async build(row, context, signal) {
      const prompt = promptOf(row);
      const trace = new RowTrace();
      const scores = row.completions.map((candidate) => candidate.overall_score ?? null);
      const modelsOf = (chosen: Candidate, rejected: Candidate): void => {
        if (chosen.model !== undefined) trace.models.chosen = chosen.model;
        if (rejected.model !== undefined) trace.models.rejected = rejected.model;
      };
      if (options.by === "score") {
        const picked = pickByScore(row.completions);
        if (picked === undefined) {
          return trace.reject("off-policy-judge", context, prompt, "tie", "fewer than two distinct scores", {
            scores,
          });
        }
        const chosen = row.completions[picked.chosen]!;
        const rejected = row.completions[picked.rejected]!;
        modelsOf(chosen, rejected);
        const pair = checkPair(chosen.response, rejected.response);
        if (!pair.ok)
          return trace.reject("off-policy-judge", context, prompt, pair.reason, pair.detail, { scores });
        return trace.accept(
          "off-policy-judge",
          context,
          { prompt, chosen: chosen.response, rejected: rejected.response, rationale: "" },
          { scores },
        );
      }
      const [first, second] = row.completions as [Candidate, Candidate];
      const pair = checkPair(first.response, second.response);
      if (!pair.ok) return trace.reject("off-policy-judge", context, prompt, pair.reason, pair.detail);
      const judged = await options.judge.judge(
        { prompt, responses: [first.response, second.response] },
        signal,
      );
      trace.record("judge", judged.model, judged.usage, judged.raw);
      trace.template = judged.template;
      if (!judged.parsed.ok) {
        const { reason, detail } = judged.parsed;
        return trace.reject("off-policy-judge", context, prompt, "unparseable", `${reason}: ${detail}`);
      }
      const winner = judged.parsed.winner;
      const [chosen, rejected] = winner === 1 ? [first, second] : [second, first];
      modelsOf(chosen, rejected);
      return trace.accept(
        "off-policy-judge",
        context,
        { prompt, chosen: chosen.response, rejected: rejected.response, rationale: judged.parsed.rationale },
        { winner },
      );
    },
  };
}
