import { LocalGenerator, type PretrainedModel } from "@apo/trainer";
import { encodePrompt } from "./model-io.js";
import { isCorrect, type Problem } from "./task.js";

/** Most characters an answer may have (the stronger model's style is the longest). */
export const MAX_ANSWER_TOKENS = 24;

/**
 * Samples one answer per problem from the model (on-policy y_l), or the greedy answer at temperature 0.
 * @example const answers = await sampleAnswers(model, problems, { temperature: 1, seed: 1 });
 */
export async function sampleAnswers(
  model: PretrainedModel,
  problems: readonly Problem[],
  options: { temperature: number; seed: number },
): Promise<string[]> {
  const generator = await LocalGenerator.create(model, { sessionOptions: { intraOpNumThreads: 1 } });
  try {
    const completions = await generator.complete(
      problems.map((p) => encodePrompt(model, p.prompt)),
      { temperature: options.temperature, seed: options.seed, maxNewTokens: MAX_ANSWER_TOKENS },
    );
    return completions.map((c) => c.text);
  } finally {
    await generator.close();
  }
}

/** Share of problems whose greedy answer states the right sum. */
export async function accuracy(model: PretrainedModel, problems: readonly Problem[]): Promise<number> {
  const answers = await sampleAnswers(model, problems, { temperature: 0, seed: 0 });
  return answers.filter((a, i) => isCorrect(problems[i] as Problem, a)).length / problems.length;
}
