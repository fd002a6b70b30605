import { type Completion, LocalGenerator, type PretrainedModel } from "@apo/trainer";
import { encodePrompt } from "./model-io.js";
import { DIGITS, isCorrect, type Problem } from "./task.js";

/** Most characters an answer may have (the stronger model's style is the longest). */
export const MAX_ANSWER_TOKENS = 24;

/**
 * Tokens a correct answer needs at most: the stronger model's style, "0, 1, 3, 4, 4, 9" (3 characters a digit
 * less the last separator, one token each with the byte-level tokenizer), then the end-of-sequence token.
 */
const LONGEST_CORRECT = 3 * DIGITS - 2 + 1;

/**
 * Samples one answer per problem from the model (on-policy y_l), or the greedy answer at temperature 0.
 * @example const answers = await sampleAnswers(model, problems, { temperature: 1, seed: 1 });
 */
export async function sampleAnswers(
  model: PretrainedModel,
  problems: readonly Problem[],
  options: { temperature: number; seed: number },
): Promise<string[]> {
  return (await complete(model, problems, { ...options, maxNewTokens: MAX_ANSWER_TOKENS })).map(
    (c) => c.text,
  );
}

async function complete(
  model: PretrainedModel,
  problems: readonly Problem[],
  options: { temperature: number; seed: number; maxNewTokens: number },
): Promise<Completion[]> {
  // 64 prompts a batch: about twice as fast as the default 16 for this model on a CPU.
  const generator = await LocalGenerator.create(model, {
    sessionOptions: { intraOpNumThreads: 1 },
    maxBatchSize: 64,
  });
  try {
    return await generator.complete(
      problems.map((p) => encodePrompt(model, p.prompt)),
      { temperature: options.temperature, seed: options.seed, maxNewTokens: options.maxNewTokens },
    );
  } finally {
    await generator.close();
  }
}

/**
 * What {@link greedyAnswers} writes after a greedy answer that did not end within the longest correct
 * form's length: the checker's scorer counts such an answer wrong, as {@link greedyCorrect} does.
 */
export const NO_END = " [no end]";

/** Per problem, the greedy answer's text and whether it is correct (see {@link greedyCorrect}). */
export interface GreedyAnswers {
  /** The answer as written, with {@link NO_END} after one that did not end. */
  texts: string[];
  /** 1 where the answer is correct and ended, else 0. */
  correct: Uint8Array;
}

/**
 * Whether a greedy answer text (from {@link greedyAnswers}) counts as correct: it states the sorted digits
 * and it ended. The demo's scorer wherever an answer is scored by its text (`clair eval`'s verifiable mode).
 * @example scoreAnswer(problem([3, 1, 2, 0, 0, 9]), "001239"); // true
 */
export function scoreAnswer(p: Problem, text: string): boolean {
  return !text.endsWith(NO_END) && isCorrect(p, text);
}

/**
 * The model's greedy answers with their per-problem outcomes: 1 where the answer states the sorted digits
 * and ends (end-of-sequence within the longest correct form's length), 0 where it does not. Decoding stops
 * where no correct answer can still come, which keeps the evaluation of a model that rambles as fast as
 * that of one that answers.
 * @example const { texts, correct } = await greedyAnswers(model, evalSet);
 */
export async function greedyAnswers(
  model: PretrainedModel,
  problems: readonly Problem[],
): Promise<GreedyAnswers> {
  const completions = await complete(model, problems, {
    temperature: 0,
    seed: 0,
    maxNewTokens: LONGEST_CORRECT,
  });
  const texts = completions.map((c) => (c.finishReason === "stop" ? c.text : `${c.text}${NO_END}`));
  return {
    texts,
    correct: Uint8Array.from(texts, (text, i) => (scoreAnswer(problems[i] as Problem, text) ? 1 : 0)),
  };
}

/**
 * Per problem, 1 where the model's greedy answer is correct and ended, 0 where not ({@link greedyAnswers}):
 * the accuracy with the per-prompt outcomes that paired standard errors need.
 * @example const correct = await greedyCorrect(model, evalSet); // mean(correct) is the accuracy
 */
export async function greedyCorrect(
  model: PretrainedModel,
  problems: readonly Problem[],
): Promise<Uint8Array> {
  return (await greedyAnswers(model, problems)).correct;
}
