import type { RowContext, RowTrace } from "./builder.js";
import { InvalidFieldError } from "./errors.js";
import type { InputRow } from "./records.js";
import type { ChatMessage, Generator } from "./roles.js";

/**
 * Samples `count` answers to `prompt` (as one user message) from a generator, asking again when it
 * returns fewer than requested (servers without `n` support), and records them on `trace` under `role`.
 *
 * @example
 * ```ts
 * const [y1, y2] = await sampleAnswers(policy, "Name a prime.", 2, trace, "policy");
 * ```
 */
export async function sampleAnswers(
  generator: Generator,
  prompt: string,
  count: number,
  trace: RowTrace,
  role: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const texts: string[] = [];
  for (let tries = 0; texts.length < count && tries < count; tries++) {
    const want = count - texts.length;
    const messages = [{ role: "user", content: prompt }] as const;
    const request = want === 1 ? { messages } : { messages, n: want };
    const generation = await generator.generate(signal === undefined ? request : { ...request, signal });
    texts.push(...generation.texts.slice(0, want));
    trace.record(role, generation.model, generation.usage, count === 1 ? (texts[0] ?? "") : texts);
  }
  return texts;
}

/**
 * Checks that a row's answer y_l can be had: its `response`, or a policy model to sample it.
 *
 * @throws InvalidFieldError naming `response` when it is absent and no policy model was given
 * @example
 * ```ts
 * checkAnswerSource({ prompt: "2+2?" }, undefined); // throws: field "response": absent, …
 * ```
 */
export function checkAnswerSource(row: InputRow, policy: Generator | undefined): void {
  if (row.response === undefined && policy === undefined) throw missingResponse();
}

function missingResponse(line?: number): InvalidFieldError {
  return new InvalidFieldError(
    "response",
    "absent, and no policy model was given to sample it: give every row its `response`, or a policy endpoint (--policy-model, --policy-base-url)",
    line === undefined ? {} : { line },
  );
}

/**
 * The answer y_l of an input row: its `response` when given, else one sample of the policy model.
 *
 * @throws InvalidFieldError naming `response` when it is absent and no policy model was given
 * @example
 * ```ts
 * const rejected = await policyAnswer(row, options.policy, trace, context, signal);
 * ```
 */
export async function policyAnswer(
  row: InputRow,
  policy: Generator | undefined,
  trace: RowTrace,
  context: RowContext,
  signal?: AbortSignal,
): Promise<string> {
  if (row.response !== undefined) return row.response;
  if (policy === undefined) throw missingResponse(context.line);
  const [answer = ""] = await sampleAnswers(policy, row.prompt, 1, trace, "policy", signal);
  return answer;
}

/**
 * One answer of a generator to a conversation, recorded on `trace` under `role` (its raw text too, unless
 * `keepRaw` is false because the caller writes the answer elsewhere in the row).
 *
 * @example
 * ```ts
 * const answer = await sampleReply(policy, [{ role: "user", content: "2+2?" }], trace, "policy");
 * ```
 */
export async function sampleReply(
  generator: Generator,
  messages: readonly ChatMessage[],
  trace: RowTrace,
  role: string,
  signal?: AbortSignal,
  keepRaw = true,
): Promise<string> {
  const generation = await generator.generate(signal === undefined ? { messages } : { messages, signal });
  const text = generation.texts[0] ?? "";
  trace.record(role, generation.model, generation.usage, text);
  if (!keepRaw) delete trace.raw[role];
  return text;
}
