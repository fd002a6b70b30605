import { z } from "zod";
import type { ChatMessage } from "./roles.js";

/**
 * A chat message of a row, as TRL's conversational rows hold them (`{role, content}`; other keys kept).
 *
 * @example
 * ```ts
 * ChatMessageSchema.parse({ role: "user", content: "Name a prime." });
 * ```
 */
export const ChatMessageSchema = z.looseObject({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});

/**
 * A row's prompt: a string, or a non-empty list of chat messages (TRL's conversational form).
 *
 * @example
 * ```ts
 * ChatPromptSchema.parse([{ role: "user", content: "Name a prime." }]);
 * ```
 */
export const ChatPromptSchema = z.union([z.string(), z.array(ChatMessageSchema).min(1)]);
/** A row's prompt (see {@link ChatPromptSchema}). */
export type ChatPrompt = z.infer<typeof ChatPromptSchema>;

/**
 * A row's answer: a string, or TRL's conversational completion, a list of messages ending with the
 * assistant's turn.
 *
 * @example
 * ```ts
 * ChatAnswerSchema.parse([{ role: "assistant", content: "7" }]);
 * ```
 */
export const ChatAnswerSchema = z.union([
  z.string(),
  z
    .array(ChatMessageSchema)
    .min(1)
    .refine((messages) => messages.at(-1)?.role === "assistant", "the last message must be the assistant's"),
]);
/** A row's answer (see {@link ChatAnswerSchema}). */
export type ChatAnswer = z.infer<typeof ChatAnswerSchema>;

/** The messages to send for a prompt: a string becomes one user message. */
export function promptMessages(prompt: ChatPrompt): ChatMessage[] {
  if (typeof prompt === "string") return [{ role: "user", content: prompt }];
  return prompt.map((message) => ({ role: message.role, content: message.content }));
}

/**
 * A prompt as the judge's `{task}` text: a string as it is, one user message as its content, a longer
 * conversation as `role: content` turns separated by blank lines.
 *
 * @example
 * ```ts
 * promptText([{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }]); // "system: Be brief.\n\nuser: Hi"
 * ```
 */
export function promptText(prompt: ChatPrompt): string {
  if (typeof prompt === "string") return prompt;
  const [only] = prompt;
  if (prompt.length === 1 && only?.role === "user") return only.content;
  return prompt.map((message) => `${message.role}: ${message.content}`).join("\n\n");
}

/** An answer's text: a string as it is, a conversational completion as its last (assistant) message. */
export function answerText(answer: ChatAnswer): string {
  return typeof answer === "string" ? answer : (answer.at(-1)?.content ?? "");
}
