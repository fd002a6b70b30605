import { InvalidPairError } from "./errors.js";

/** One message of TRL's conversational format. `content` may also be a list of typed parts. */
export interface ChatMessage {
  role: string;
  content: string | readonly ContentPart[];
}

/** A part of a multi-part message; only text parts count. */
export interface ContentPart {
  type?: string;
  text?: string;
}

/** One side of a preference pair: the answer itself, or the conversation that ends with it. */
export type Answer = string | readonly ChatMessage[];

/**
 * What the metrics read of a preference pair (TRL's preference format, standard or conversational); other
 * fields such as `prompt`, `id` or `meta` are ignored.
 */
export interface PreferencePair {
  chosen: Answer;
  rejected: Answer;
}

/**
 * The text that a metric compares for one side of a pair: the string itself, or for a message list the
 * content of its last assistant message (text parts joined with no separator).
 * Throws {@link InvalidPairError} when there is no such text.
 *
 * @example
 * ```ts
 * answerText([{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" }]); // "Hello!"
 * ```
 */
export function answerText(answer: unknown, field: "chosen" | "rejected" = "chosen"): string {
  if (typeof answer === "string") return answer;
  if (!Array.isArray(answer)) {
    throw new InvalidPairError(
      field,
      `expected a string or a list of {role, content} messages, got ${describe(answer)}`,
    );
  }
  for (let i = answer.length - 1; i >= 0; i--) {
    const message: unknown = answer[i];
    if (typeof message !== "object" || message === null) {
      throw new InvalidPairError(field, `message ${i} is ${describe(message)}, not a {role, content} object`);
    }
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (role !== "assistant") continue;
    if (typeof content === "string") return content;
    if (Array.isArray(content)) {
      let text = "";
      for (const part of content) {
        if (typeof part === "string") text += part;
        else if (
          typeof part === "object" &&
          part !== null &&
          typeof (part as ContentPart).text === "string"
        ) {
          text += (part as ContentPart).text;
        }
      }
      return text;
    }
    throw new InvalidPairError(field, `the last assistant message has ${describe(content)} as content`);
  }
  throw new InvalidPairError(field, "the message list has no assistant message");
}

/**
 * The two texts of a pair, validated. Throws {@link InvalidPairError} naming the side at fault.
 */
export function pairTexts(pair: unknown): [chosen: string, rejected: string] {
  if (typeof pair !== "object" || pair === null || Array.isArray(pair)) {
    throw new InvalidPairError(
      "pair",
      `expected an object with \`chosen\` and \`rejected\`, got ${describe(pair)}`,
    );
  }
  const { chosen, rejected } = pair as { chosen?: unknown; rejected?: unknown };
  if (chosen === undefined) throw new InvalidPairError("chosen", "missing");
  if (rejected === undefined) throw new InvalidPairError("rejected", "missing");
  return [answerText(chosen, "chosen"), answerText(rejected, "rejected")];
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}
