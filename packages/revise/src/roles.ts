import type { ParsedJudgment } from "./parse-judgment.js";
import type { ParsedRevision } from "./parse-revision.js";
import type { Usage } from "./records.js";

/**
 * One chat message.
 *
 * @example
 * ```ts
 * const message: ChatMessage = { role: "user", content: "Name a prime." };
 * ```
 */
export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/**
 * A request to a {@link Generator}: the conversation and how many completions to sample.
 *
 * @example
 * ```ts
 * const request: GenerateRequest = { messages: [{ role: "user", content: "Hi" }], n: 2 };
 * ```
 */
export interface GenerateRequest {
  readonly messages: readonly ChatMessage[];
  /** How many completions; default 1. A generator may return fewer, and the caller asks again. */
  readonly n?: number;
  readonly signal?: AbortSignal;
}

/**
 * What a {@link Generator} returns: the completions, their token usage and the model that wrote them.
 *
 * @example
 * ```ts
 * const generation: Generation = { texts: ["7"], usage: { promptTokens: 5, completionTokens: 1 }, model: "m" };
 * ```
 */
export interface Generation {
  readonly texts: readonly string[];
  readonly usage: Usage;
  readonly model: string;
}

/**
 * A model that answers a conversation (prompt → completions). The target model M, the stronger model,
 * and the model behind a template reviser or judge are all generators. {@link createOpenAIGenerator}
 * makes one for any OpenAI-compatible endpoint; any object of this shape (a local model, a test double)
 * plugs in the same way.
 *
 * @example
 * ```ts
 * const echo: Generator = { model: "echo", async generate({ messages }) {
 *   return { texts: [messages.at(-1)?.content ?? ""], usage: { promptTokens: 0, completionTokens: 0 }, model: "echo" };
 * } };
 * ```
 */
export interface Generator {
  readonly model: string;
  generate(request: GenerateRequest): Promise<Generation>;
}

/**
 * The stronger model of the stronger-preferred baseline: y_w = Stronger(x). It is a {@link Generator}.
 *
 * @example
 * ```ts
 * const stronger: Stronger = createOpenAIGenerator({ baseURL: "https://api.openai.com/v1", model: "gpt-4o" });
 * ```
 */
export type Stronger = Generator;

/**
 * The answer of a reviser or a judge: the parsed verdict, the raw text (always kept), usage and model,
 * and the prompt template used, if any.
 *
 * @example
 * ```ts
 * const out: RoleOutput<ParsedRevision> = { parsed: parseRevision(raw), raw, usage, model: "gpt-4o" };
 * ```
 */
export interface RoleOutput<P> {
  readonly parsed: P;
  readonly raw: string;
  readonly usage: Usage;
  readonly model: string;
  readonly template?: { readonly name: string; readonly version: string };
}

/**
 * The Reviser of CLAIR: y_w = Reviser(x, y_l). {@link createTemplateReviser} builds one from a generator
 * and the paper's prompt; a local implementation may return a parsed revision directly.
 *
 * @example
 * ```ts
 * const upper: Reviser = { model: "upper", async revise({ response }) {
 *   return { parsed: { ok: true, revision: response.toUpperCase(), rationale: "louder" }, raw: response,
 *            usage: { promptTokens: 0, completionTokens: 0 }, model: "upper" };
 * } };
 * ```
 */
export interface Reviser {
  readonly model: string;
  revise(
    input: { readonly prompt: string; readonly response: string },
    signal?: AbortSignal,
  ): Promise<RoleOutput<ParsedRevision>>;
}

/**
 * The Judge of the judge baselines: picks the better of two answers (1 or 2).
 *
 * @example
 * ```ts
 * const shortest: Judge = { model: "shortest", async judge({ responses: [a, b] }) {
 *   return { parsed: { ok: true, winner: a.length <= b.length ? 1 : 2, rationale: "" }, raw: "",
 *            usage: { promptTokens: 0, completionTokens: 0 }, model: "shortest" };
 * } };
 * ```
 */
export interface Judge {
  readonly model: string;
  judge(
    input: { readonly prompt: string; readonly responses: readonly [string, string] },
    signal?: AbortSignal,
  ): Promise<RoleOutput<ParsedJudgment>>;
}
