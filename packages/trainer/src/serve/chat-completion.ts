import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { GenerationError } from "../generate/generate-errors.js";
import type { Completion, Generator } from "../generate/generator.js";
import { BatchError, SequenceTooLongError } from "../models/model-errors.js";
import { TokenizerError } from "../tokenizer/tokenizer-error.js";
import { HttpError } from "./openai-error.js";
import type { ChatCompletionRequest } from "./parse-chat-request.js";

/** Request parameter names of our generation option names. */
const PARAMS: Record<string, string> = {
  temperature: "temperature",
  topP: "top_p",
  topK: "top_k",
  maxNewTokens: "max_tokens",
  seed: "seed",
  stop: "stop",
  prompt: "messages",
  messages: "messages",
};

/**
 * The HTTP error for a failure of the generator: 400 for what the request can fix (a prompt longer than
 * the context, a bad option, a model without chat template), 500 for the rest.
 *
 * @example
 * ```ts
 * httpErrorOf(new SequenceTooLongError(600, 512)).status; // 400
 * ```
 */
export function httpErrorOf(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof SequenceTooLongError) {
    return new HttpError(400, error.message, { param: "messages", code: "context_length_exceeded" });
  }
  if (error instanceof GenerationError) {
    return new HttpError(400, error.message, { param: PARAMS[error.field ?? ""] ?? null, code: error.code });
  }
  if (error instanceof BatchError || error instanceof TokenizerError) {
    return new HttpError(400, error.message, { param: "messages", code: error.code });
  }
  return new HttpError(500, `generation failed: ${error instanceof Error ? error.message : String(error)}`);
}

function usageOf(completions: readonly Completion[]) {
  const prompt = completions[0]?.promptTokens ?? 0;
  const completion = completions.reduce((sum, c) => sum + c.completionTokens, 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/**
 * Send a JSON response.
 *
 * @example
 * ```ts
 * sendJson(res, 200, { object: "list", data: [] });
 * ```
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Answer one chat-completions request: `n` completions sampled in one call to the generator (so they share
 * a batch), as one JSON body or as server-sent events (`chat.completion.chunk`s, then `[DONE]`). A client
 * that disconnects aborts its completions.
 *
 * @example
 * ```ts
 * await answerChat(generator, parseChatRequest(body), res, controller.signal);
 * ```
 */
export async function answerChat(
  generator: Generator,
  request: ChatCompletionRequest,
  res: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const id = `chatcmpl-${randomUUID().replaceAll("-", "")}`;
  const created = Math.floor(Date.now() / 1000);
  const head = { id, created, model: generator.model };
  const prompts = Array.from({ length: request.n }, () => request.messages);
  if (!request.stream) {
    const completions = await generator.complete(prompts, { ...request.options, signal });
    sendJson(res, 200, {
      ...head,
      object: "chat.completion",
      choices: completions.map((c, index) => ({
        index,
        message: { role: "assistant", content: c.text },
        logprobs: null,
        finish_reason: c.finishReason,
      })),
      usage: usageOf(completions),
      system_fingerprint: null,
    });
    return;
  }
  let started = false;
  const opened = new Set<number>();
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) => {
    if (!started) {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      started = true;
    }
    res.write(`data: ${JSON.stringify({ ...head, object: "chat.completion.chunk", choices, ...extra })}\n\n`);
  };
  try {
    const completions = await generator.complete(prompts, {
      ...request.options,
      signal,
      onText: (index, content) => {
        // OpenAI streams give each choice's role in its first delta.
        const delta = opened.has(index) ? { content } : { role: "assistant", content };
        opened.add(index);
        send([{ index, delta, logprobs: null, finish_reason: null }]);
      },
    });
    const silent = completions.map((_, index) => index).filter((index) => !opened.has(index));
    if (silent.length > 0) {
      const role = { role: "assistant", content: "" };
      send(silent.map((index) => ({ index, delta: role, logprobs: null, finish_reason: null })));
    }
    send(
      completions.map((c, index) => ({ index, delta: {}, logprobs: null, finish_reason: c.finishReason })),
    );
    if (request.includeUsage) send([], { usage: usageOf(completions) });
    res.end("data: [DONE]\n\n");
  } catch (error) {
    if (!started) throw error;
    // Headers are gone: report the error in the stream, as OpenAI-compatible servers do.
    if (!res.destroyed) res.end(`data: ${JSON.stringify(httpErrorOf(error).body())}\n\ndata: [DONE]\n\n`);
  }
}
