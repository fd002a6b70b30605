import { ReviseError } from "./errors.js";

/**
 * A versioned prompt template. `user` holds `{{name}}` placeholders; everything else, including the literal
 * `{task}` identifiers the paper shows to the model, is sent as written.
 *
 * @example
 * ```ts
 * const mine: PromptTemplate = { ...REVISER_PROMPTS["clair-v1"], name: "mine", version: "1", user: "Fix: {{response}}" };
 * ```
 */
export interface PromptTemplate {
  /** The template's name, recorded in every output row's `meta.template`. */
  readonly name: string;
  /** The template's version: the exact wording is part of the method, so a change gets a new version. */
  readonly version: string;
  /** The system message; the paper's notebook sends an empty one, which is then omitted. */
  readonly system: string;
  /** The user message with `{{placeholders}}`. */
  readonly user: string;
}

const DASHES = "-----------------";

/**
 * The paper's Reviser prompt (Table 3), worded exactly as in the authors' notebook (`gpt-4-0125-preview`,
 * empty system prompt). Placeholders: `{{instruction}}` (x) and `{{response}}` (y_l).
 *
 * @example
 * ```ts
 * renderPrompt(REVISER_PROMPTS["clair-v1"], { instruction: "2+2?", response: "5" });
 * ```
 */
export const REVISER_PROMPTS = {
  "clair-v1": {
    name: "clair-reviser",
    version: "1",
    system: "",
    user:
      "You are a teacher and your task is to minimally improve a student's answer. I will give you a {task} and a " +
      "{student_solution}. Your job is to revise the {student_solution} such that it is clearer, more correct, and " +
      "more engaging. Copy all non-corrected parts of the student's answer. Do not allude to the " +
      "{corrected_student_solution} being a revision or a correction in your final solution.\n\n" +
      "{task}: {{instruction}}\n\n{student_solution}: {{response}}\n\n" +
      `${DASHES}\n\n` +
      "Let's first think step by step with a {teacher_reasoning} to decide how to improve the {student_solution}, " +
      "then give the {corrected_student_solution}. Mention the {teacher_reasoning} and " +
      "{corrected_student_solution} identifiers to structure your answer.\n\n",
  },
} as const satisfies Record<string, PromptTemplate>;

/**
 * The paper's Judge prompt (Table 3), in the same layout as the reviser prompt. Placeholders:
 * `{{instruction}}`, `{{response_1}}`, `{{response_2}}`. The answer must contain `[1]` or `[2]`.
 *
 * @example
 * ```ts
 * renderPrompt(JUDGE_PROMPTS["clair-v1"], { instruction: "2+2?", response_1: "4", response_2: "5" });
 * ```
 */
export const JUDGE_PROMPTS = {
  "clair-v1": {
    name: "clair-judge",
    version: "1",
    system: "",
    user:
      "You are a teacher and your task is to pick the best student's answer. The best answer is the most clear, " +
      "most correct, and most engaging answer. I will give you a {task} and {student_solution_1} and " +
      "{student_solution_2}. Your final answer must contain [1] if {student_solution_1} was best, else [2].\n\n" +
      "{task}: {{instruction}}\n\n{student_solution_1}: {{response_1}}\n\n{student_solution_2}: {{response_2}}\n\n" +
      `${DASHES}\n\n` +
      "Let's first think step by step with a {teacher_reasoning} to decide which solution is better, and then " +
      "answer [1] or [2].\n\n",
  },
} as const satisfies Record<string, PromptTemplate>;

/** The name of a built-in reviser prompt. */
export type ReviserPromptName = keyof typeof REVISER_PROMPTS;
/** The name of a built-in judge prompt. */
export type JudgePromptName = keyof typeof JUDGE_PROMPTS;

/** The reviser prompt used when none is given. */
export const DEFAULT_REVISER_PROMPT: PromptTemplate = REVISER_PROMPTS["clair-v1"];
/** The judge prompt used when none is given. */
export const DEFAULT_JUDGE_PROMPT: PromptTemplate = JUDGE_PROMPTS["clair-v1"];

const PLACEHOLDER = /\{\{([a-z0-9_]+)\}\}/g;

/**
 * Fills a template's `{{placeholders}}` in one pass (a value that itself holds `{{x}}` is not expanded again)
 * and returns the chat messages to send.
 *
 * @throws {ReviseError} (`TEMPLATE_PLACEHOLDER`) when the template names a placeholder that `values` lacks.
 * @example
 * ```ts
 * const messages = renderPrompt(DEFAULT_REVISER_PROMPT, { instruction: "Say hi", response: "hello" });
 * // [{ role: "user", content: "You are a teacher ..." }]
 * ```
 */
export function renderPrompt(
  template: PromptTemplate,
  values: Readonly<Record<string, string>>,
): { role: "system" | "user"; content: string }[] {
  const content = template.user.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new ReviseError(
        "TEMPLATE_PLACEHOLDER",
        `prompt template ${template.name}@${template.version} needs a value for {{${name}}}`,
      );
    }
    return value;
  });
  const messages: { role: "system" | "user"; content: string }[] = [];
  if (template.system !== "") messages.push({ role: "system", content: template.system });
  messages.push({ role: "user", content });
  return messages;
}
