import { describe, expect, it } from "vitest";
import { serverRefusal } from "./server-refusal.js";

const at = { model: "llama", baseURL: "http://localhost:8000/v1" };

describe("serverRefusal", () => {
  it.each([
    // apo serve
    [
      400,
      "context_length_exceeded",
      "sequence has 600 tokens but the model's context is 128; truncate …",
      "context",
    ],
    [400, "NO_TOKENIZER", "the model has no tokenizer.json: give prompts as { ids: [...] }", "tokenizer"],
    [
      400,
      "NO_CHAT_TEMPLATE",
      "the tokenizer has no chat template: give the prompt as text, …",
      "chat template",
    ],
    [
      404,
      "model_not_found",
      "The model `gpt-4` does not exist; this server serves `tiny`.",
      'serve the model "llama"',
    ],
    // OpenAI
    [
      400,
      "context_length_exceeded",
      "This model's maximum context length is 8192 tokens. However, …",
      "context",
    ],
    [401, "invalid_api_key", "Incorrect API key provided: sk-abc***.", "API key"],
    // vLLM (flat body: no code)
    [
      400,
      400,
      "This model's maximum context length is 2048 tokens. However, you requested 4196 tokens",
      "context",
    ],
    [
      400,
      null,
      "The decoder prompt (length 3000) is longer than the maximum model length of 2048.",
      "context",
    ],
    [404, null, "The model `x` does not exist.", 'serve the model "llama"'],
    // llama.cpp server, Ollama
    [400, null, "the request exceeds the available context size, try increasing it", "context"],
    [404, null, 'model "x" not found, try pulling it first', 'serve the model "llama"'],
    [404, null, "no route POST /chat/completions", "no chat-completions route"],
  ] as const)("%i %s: %s", (status, code, message, problem) => {
    const refusal = serverRefusal({ status, code, message, ...at });
    expect(refusal?.problem).toContain(problem);
    expect(refusal?.fix.length).toBeGreaterThan(20);
  });

  it("leaves refusals about one row to that row", () => {
    for (const [status, message] of [
      [400, "this prompt was flagged by the content filter"],
      [422, "messages.0.content: expected a string"],
      [413, "request entity too large"],
      [429, "rate limit"],
    ] as const) {
      expect(serverRefusal({ status, message, ...at }), message).toBeUndefined();
    }
  });
});
