import {
  type GenerateRequest,
  type Generation,
  type Generator,
  type Judge,
  parseJudgment,
  parseRevision,
  type Reviser,
} from "@clair/revise";
import { answerError, isCorrect, minimalRevision, type Problem, problem, strongerAnswer } from "./task.js";

/** The task behind a prompt text `"sort 391404:"`. */
export function problemOf(prompt: string): Problem {
  const match = /^sort (\d+):$/.exec(prompt.trim());
  if (match === null) throw new Error(`not a task prompt: ${JSON.stringify(prompt)}`);
  return problem([...(match[1] as string)].map(Number));
}

const NO_USAGE = { promptTokens: 0, completionTokens: 0 };

/**
 * The target model M as a `@clair/revise` Generator for the on-policy judge: its answers to each prompt,
 * sampled at temperature 1 beforehand in one batched call (so that they do not depend on how the builder
 * orders its requests), handed out in order. The toy model has no chat format: the last user message is
 * the raw task prompt.
 */
export function sampledPolicy(samples: ReadonlyMap<string, readonly string[]>): Generator {
  return {
    model: "tiny-llama (policy)",
    async generate(request: GenerateRequest): Promise<Generation> {
      const prompt = request.messages.at(-1)?.content ?? "";
      const texts = samples.get(prompt)?.slice(0, request.n ?? 1) ?? [];
      if (texts.length < (request.n ?? 1))
        throw new Error(`no samples of the policy for ${JSON.stringify(prompt)}`);
      return { texts, model: "tiny-llama (policy)", usage: NO_USAGE };
    },
  };
}

/**
 * The CLAIR reviser for the verifiable task: it answers in the format of the paper's reviser prompt
 * (reasoning, then the corrected solution after the notebook's marker), which `parseRevision` reads as it
 * would a GPT-4 response. The correction is minimal: only the wrong number changes.
 */
export const checkerReviser: Reviser = {
  model: "checker (reviser)",
  async revise({ prompt, response }) {
    const p = problemOf(prompt);
    const verdict = isCorrect(p, response)
      ? "the answer is already correct"
      : `in order they are ${p.answer}`;
    const raw = `{teacher_reasoning}: the digits are ${p.digits.join("")}; ${verdict}, so only the digits change.\n\n{corrected_student_solution}: ${minimalRevision(p, response)}`;
    return { parsed: parseRevision(raw), raw, usage: NO_USAGE, model: "checker (reviser)" };
  },
};

/**
 * The judge of both judge datasets: prefers the correct answer, else the one whose digits are fewer edits
 * from the right ones ({@link answerError}), the first one on ties.
 */
export const checkerJudge: Judge = {
  model: "checker (judge)",
  async judge({ prompt, responses }) {
    const p = problemOf(prompt);
    const [first = 0, second = 0] = responses.map((r) => answerError(p, r));
    const winner = second < first ? 2 : 1;
    const says = (e: number) => (e === 0 ? "correct" : `${e - 1} edits from correct`);
    const raw = `Answer 1 is ${says(first)} and answer 2 is ${says(second)}. [${winner}]`;
    return { parsed: parseJudgment(raw), raw, usage: NO_USAGE, model: "checker (judge)" };
  },
};

/** The stronger model: always right, in its own words. */
export const strongerModel: Generator = {
  model: "checker (stronger)",
  async generate(request: GenerateRequest): Promise<Generation> {
    const p = problemOf(request.messages.at(-1)?.content ?? "");
    return {
      texts: Array.from({ length: request.n ?? 1 }, () => strongerAnswer(p)),
      usage: NO_USAGE,
      model: "checker (stronger)",
    };
  },
};

/**
 * A model whose answers were decoded beforehand (greedy, in one batched call), as a `@clair/revise`
 * Generator: `clair eval`'s builder asks it for its answer to a prompt and gets that answer, under the
 * model's name (which the eval report shows).
 */
export function answeredBy(model: string, answers: ReadonlyMap<string, string>): Generator {
  return {
    model,
    async generate(request: GenerateRequest): Promise<Generation> {
      const prompt = request.messages.at(-1)?.content ?? "";
      const text = answers.get(prompt);
      if (text === undefined) throw new Error(`${model} has no answer for ${JSON.stringify(prompt)}`);
      return { texts: Array.from({ length: request.n ?? 1 }, () => text), model, usage: NO_USAGE };
    },
  };
}
