import type { RowTrace } from "./builder.js";
import type { JudgmentFailure, ParsedJudgment } from "./parse-judgment.js";
import type { Judge, RoleOutput } from "./roles.js";

/** Which of the two answers the judge picked in one order: `a` or `b`, whichever position it had. */
export type OrderVote = "a" | "b";

/**
 * The verdict of {@link judgeBothOrders}: `a` or `b` when the judge picked it in both orders, `split` when
 * each order picked the answer shown first (or each the one shown second): position, not quality, decided.
 * `unparseable` counts the replies that named neither answer (or both), each asked again once; when a
 * second reply also names neither, there is no verdict (`ok: false`). `replies` holds every reply's text,
 * order 1's then order 2's.
 *
 * @example
 * ```ts
 * const verdict: TwoOrderVerdict = { ok: true, winner: "a", votes: ["a", "a"], unparseable: 0, replies: ["[1]", "[2]"] };
 * ```
 */
export type TwoOrderVerdict =
  | {
      readonly ok: true;
      readonly winner: OrderVote | "split";
      /** The pick with `a` shown first, then with `b` shown first. */
      readonly votes: readonly [OrderVote, OrderVote];
      readonly unparseable: number;
      readonly replies: readonly string[];
    }
  | {
      readonly ok: false;
      readonly reason: JudgmentFailure;
      readonly detail: string;
      readonly unparseable: number;
      readonly replies: readonly string[];
    };

/**
 * Options of {@link judgeBothOrders}: the abort signal, and a hook told of every reply (its usage and
 * model, for a run's accounting).
 *
 * @example
 * ```ts
 * const options: JudgeBothOrdersOptions = { onReply: (reply) => console.log(reply.usage) };
 * ```
 */
export interface JudgeBothOrdersOptions {
  readonly signal?: AbortSignal;
  readonly onReply?: (reply: RoleOutput<ParsedJudgment>) => void;
}

interface OrderResult {
  readonly vote: OrderVote | undefined;
  readonly failure?: { reason: JudgmentFailure; detail: string };
  readonly raws: string[];
  readonly unparseable: number;
}

/**
 * Asks `judge` which of two answers to `prompt` is better twice, once with `a` as `{student_solution_1}`
 * and once with `b` there, so that the judge's preference for a position cancels out (LLM judges favour
 * one position; Zheng et al. 2023, "Judging LLM-as-a-Judge"). The two orders are asked at
 * once. A reply that names neither answer, or both, is unparseable: that order is asked again once, and
 * a second such reply ends the row without a verdict.
 *
 * ```text
 * order 1: Judge(x, a, b) = [1] → a;  order 2: Judge(x, b, a) = [1] → b
 * winner = a if both orders say a; b if both say b; split otherwise
 * ```
 *
 * @example
 * ```ts
 * const verdict = await judgeBothOrders(createTemplateJudge(gpt4), { prompt: "2+2?", a: "4", b: "5" });
 * if (verdict.ok && verdict.winner === "a") console.log("4 wins in both orders");
 * ```
 */
export async function judgeBothOrders(
  judge: Judge,
  input: { readonly prompt: string; readonly a: string; readonly b: string },
  options: JudgeBothOrdersOptions = {},
): Promise<TwoOrderVerdict> {
  const { signal } = options;
  const order = async (first: OrderVote): Promise<OrderResult> => {
    const responses: [string, string] = first === "a" ? [input.a, input.b] : [input.b, input.a];
    const raws: string[] = [];
    let unparseable = 0;
    for (;;) {
      const judged = await judge.judge({ prompt: input.prompt, responses }, signal);
      options.onReply?.(judged);
      raws.push(judged.raw);
      if (judged.parsed.ok) {
        const vote: OrderVote = judged.parsed.winner === 1 ? first : first === "a" ? "b" : "a";
        return { vote, raws, unparseable };
      }
      unparseable += 1;
      if (unparseable === 2) {
        const { reason, detail } = judged.parsed;
        return { vote: undefined, failure: { reason, detail }, raws, unparseable };
      }
    }
  };
  const [one, two] = await Promise.all([order("a"), order("b")]);
  const replies = [...one.raws, ...two.raws];
  const unparseable = one.unparseable + two.unparseable;
  if (one.vote === undefined || two.vote === undefined) {
    const [which, failed] = one.vote === undefined ? [1, one] : [2, two];
    const failure = failed.failure ?? { reason: "no-verdict" as const, detail: "no verdict" };
    return {
      ok: false,
      reason: failure.reason,
      detail: `${failure.reason}: ${failure.detail} (order ${which}, asked twice)`,
      unparseable,
      replies,
    };
  }
  const winner = one.vote === two.vote ? one.vote : "split";
  return { ok: true, winner, votes: [one.vote, two.vote], unparseable, replies };
}

/** Options that record every judge reply on a row's trace, under `judge`. */
export function judgeOptions(trace: RowTrace, signal: AbortSignal | undefined): JudgeBothOrdersOptions {
  return {
    ...(signal === undefined ? {} : { signal }),
    onReply: (reply) => {
      trace.record("judge", reply.model, reply.usage, reply.raw);
      if (reply.template !== undefined) trace.template = reply.template;
    },
  };
}
