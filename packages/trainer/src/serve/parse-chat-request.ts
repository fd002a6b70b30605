import type { GenerationOptions } from "../generate/generator.js";
import type { ChatMessage } from "../tokenizer/model-tokenizer.js";
import { HttpError } from "./openai-error.js";

/** A validated chat-completions request. */
export interface ChatCompletionRequest {
  readonly model: string;
  readonly messages: ChatMessage[];
  readonly n: number;
  readonly stream: boolean;
  /** `stream_options.include_usage`: a last chunk with the usage. */
  readonly includeUsage: boolean;
  readonly options: Omit<GenerationOptions, "signal" | "onText">;
}

/** Most completions one request may ask for. */
export const MAX_N = 16;

type Json = Record<string, unknown>;

function bad(param: string, message: string): never {
  throw new HttpError(400, message, { param });
}

function optionalNumber(body: Json, key: string, check: (v: number) => boolean, rule: string) {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !check(v)) bad(key, `'${key}' must be ${rule}, got ${JSON.stringify(v)}`);
  return v;
}

function messageContent(content: unknown, i: number): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown, j) => {
        const p = part as Json | null;
        if (p?.type !== "text" || typeof p.text !== "string")
          bad(`messages[${i}].content[${j}]`, "only text content parts are supported");
        return p.text;
      })
      .join("");
  }
  return bad(`messages[${i}].content`, `'messages[${i}].content' must be a string or a list of text parts`);
}

/**
 * Validate an OpenAI chat-completions body: `model`, `messages`, `n`, `temperature` (0–2), `top_p`,
 * `top_k` (vLLM's extension), `max_tokens` / `max_completion_tokens`, `stop` (a string or up to 4),
 * `seed`, `stream`, `stream_options`. Unknown fields are ignored, as OpenAI-compatible servers do.
 *
 * @throws HttpError 400 naming the bad `param`
 * @example
 * ```ts
 * parseChatRequest({ model: "tiny", messages: [{ role: "user", content: "Hi" }], n: 2 }).n; // 2
 * ```
 */
export function parseChatRequest(raw: unknown): ChatCompletionRequest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new HttpError(400, "the request body must be a JSON object");
  const body = raw as Json;
  if (typeof body.model !== "string" || body.model === "") bad("model", "'model' is required");
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    bad("messages", "'messages' must be a non-empty list of {role, content}");
  const messages = (body.messages as unknown[]).map((m, i): ChatMessage => {
    const message = m as Json | null;
    if (typeof message?.role !== "string") bad(`messages[${i}].role`, `'messages[${i}].role' is required`);
    return {
      role: message.role === "developer" ? "system" : message.role,
      content: messageContent(message.content, i),
    };
  });
  const n = optionalNumber(
    body,
    "n",
    (v) => Number.isInteger(v) && v >= 1 && v <= MAX_N,
    `an integer in [1, ${MAX_N}]`,
  );
  const temperature = optionalNumber(body, "temperature", (v) => v >= 0 && v <= 2, "a number in [0, 2]");
  const topP = optionalNumber(body, "top_p", (v) => v > 0 && v <= 1, "a number in (0, 1]");
  const topK = optionalNumber(body, "top_k", (v) => Number.isInteger(v) && v >= -1, "an integer ≥ -1");
  const positive = (v: number) => Number.isInteger(v) && v >= 1;
  const maxTokens =
    optionalNumber(body, "max_completion_tokens", positive, "an integer ≥ 1") ??
    optionalNumber(body, "max_tokens", positive, "an integer ≥ 1");
  const seed = optionalNumber(body, "seed", Number.isSafeInteger, "an integer");
  let stop: string[] | undefined;
  if (typeof body.stop === "string") stop = [body.stop];
  else if (Array.isArray(body.stop)) {
    if (body.stop.length > 4 || body.stop.some((s) => typeof s !== "string"))
      bad("stop", "'stop' must be a string or a list of at most 4 strings");
    stop = body.stop as string[];
  } else if (body.stop !== undefined && body.stop !== null)
    bad("stop", "'stop' must be a string or a list of strings");
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean")
    bad("stream", "'stream' must be a boolean");
  const streamOptions = body.stream_options as Json | null | undefined;
  const options: Omit<GenerationOptions, "signal" | "onText"> = {
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { topP }),
    ...(topK === undefined || topK === -1 ? {} : { topK }),
    ...(maxTokens === undefined ? {} : { maxNewTokens: maxTokens }),
    ...(seed === undefined ? {} : { seed }),
    ...(stop === undefined ? {} : { stop }),
  };
  return {
    model: body.model,
    messages,
    n: n ?? 1,
    stream: body.stream === true,
    includeUsage: streamOptions?.include_usage === true,
    options,
  };
}
