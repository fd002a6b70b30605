import { parseJudgment } from "./parse-judgment.js";
import { parseRevision } from "./parse-revision.js";
import {
  DEFAULT_JUDGE_PROMPT,
  DEFAULT_REVISER_PROMPT,
  type PromptTemplate,
  renderPrompt,
} from "./prompts.js";
import type { Generator, Judge, Reviser } from "./roles.js";

/**
 * A {@link Reviser} that sends the paper's reviser prompt (or `template`) to a generator and parses the
 * answer with {@link parseRevision}.
 *
 * @example
 * ```ts
 * const reviser = createTemplateReviser(createOpenAIGenerator({ baseURL, model: "gpt-4-turbo" }));
 * const { parsed, raw } = await reviser.revise({ prompt: "2+2?", response: "5" });
 * ```
 */
export function createTemplateReviser(
  generator: Generator,
  template: PromptTemplate = DEFAULT_REVISER_PROMPT,
): Reviser {
  return {
    model: generator.model,
    async revise({ prompt, response }, signal) {
      const messages = renderPrompt(template, { instruction: prompt, response });
      const generation = await generator.generate(signal === undefined ? { messages } : { messages, signal });
      const raw = generation.texts[0] ?? "";
      return {
        parsed: parseRevision(raw),
        raw,
        usage: generation.usage,
        model: generation.model,
        template: { name: template.name, version: template.version },
      };
    },
  };
}

/**
 * A {@link Judge} that sends the paper's judge prompt (or `template`) to a generator and parses the answer
 * with {@link parseJudgment}.
 *
 * @example
 * ```ts
 * const judge = createTemplateJudge(createOpenAIGenerator({ baseURL, model: "gpt-4-turbo" }));
 * const { parsed } = await judge.judge({ prompt: "2+2?", responses: ["4", "5"] });
 * ```
 */
export function createTemplateJudge(
  generator: Generator,
  template: PromptTemplate = DEFAULT_JUDGE_PROMPT,
): Judge {
  return {
    model: generator.model,
    async judge({ prompt, responses }, signal) {
      const messages = renderPrompt(template, {
        instruction: prompt,
        response_1: responses[0],
        response_2: responses[1],
      });
      const generation = await generator.generate(signal === undefined ? { messages } : { messages, signal });
      const raw = generation.texts[0] ?? "";
      return {
        parsed: parseJudgment(raw),
        raw,
        usage: generation.usage,
        model: generation.model,
        template: { name: template.name, version: template.version },
      };
    },
  };
}
