import type { LocalGenerator, PretrainedModel } from "@apo/trainer";
import {
  type GenerateRequest,
  type Generation,
  type Generator,
  type Judge,
  parseJudgment,
  parseRevision,
  type Reviser,
} from "@clair/revise";
import { encodePrompt } from "./model-io.js";
import { MAX_ANSWER_TOKENS } from "./sample.js";
import { isCorrect, minimalRevision, type Problem, problem, strongerAnswer } from "./task.js";

/** The task behind a prompt text `"sort 391404:"`. */
export function problemOf(prompt: string): Problem {
  const match = /^sort (\d+):$/.exec(prompt.trim());
  if (match === null) throw new Error(`not a task prompt: ${JSON.stringify(prompt)}`);
  return problem([...(match[1] as string)].map(Number));
}

const NO_USAGE = { promptTokens: 0, completionTokens: 0 };

/** FNV-1a of a text: a per-prompt seed, so samples do not depend on the order requests arrive in. */
function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The target model M as a `@clair/revise` Generator: the last user message is the raw task prompt (the toy
 * model has no chat format), sampled at temperature 1 with a seed derived from the prompt.
 */
export function policyGenerator(model: PretrainedModel, generator: LocalGenerator, seed: number): Generator {
  return {
    model: "tiny-llama (policy)",
    async generate(request: GenerateRequest): Promise<Generation> {
      const prompt = request.messages.at(-1)?.content ?? "";
      const completions = await generator.complete(
        Array.from({ length: request.n ?? 1 }, () => encodePrompt(model, prompt)),
        { temperature: 1, seed: (seed ^ hashSeed(prompt)) >>> 0, maxNewTokens: MAX_ANSWER_TOKENS },
      );
      return {
        texts: completions.map((c) => c.text),
        model: "tiny-llama (policy)",
        usage: {
          promptTokens: completions.reduce((s, c) => s + c.promptTokens, 0),
          completionTokens: completions.reduce((s, c) => s + c.completionTokens, 0),
        },
      };
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

/** The judge for the on-policy judge baseline: prefers the correct answer, the first one on ties. */
export const checkerJudge: Judge = {
  model: "checker (judge)",
  async judge({ prompt, responses }) {
    const p = problemOf(prompt);
    const [first, second] = responses.map((r) => isCorrect(p, r));
    const winner = second && !first ? 2 : 1;
    const raw = `Answer 1 is ${first ? "correct" : "wrong"} and answer 2 is ${second ? "correct" : "wrong"}. [${winner}]`;
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
