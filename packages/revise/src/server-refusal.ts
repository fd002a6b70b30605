/**
 * Why a server refused a request for its own configuration, and what to change.
 *
 * @example
 * ```ts
 * const refusal: ServerRefusal = { problem: "the model has no tokenizer", fix: "serve a model folder with a tokenizer.json" };
 * ```
 */
export interface ServerRefusal {
  readonly problem: string;
  readonly fix: string;
}

/** What a refused request's answer says: its status, OpenAI's `code` field and its message. */
export interface RefusedRequest {
  readonly status: number;
  readonly code?: string | number | null | undefined;
  readonly message: string;
  /** The endpoint, for the fix. */
  readonly model: string;
  readonly baseURL: string;
}

// How servers word these refusals (status 400 unless said):
// - OpenAI: code "context_length_exceeded", "This model's maximum context length is 8192 tokens. However,
//   your messages resulted in 9000 tokens…"; 404 code "model_not_found", "The model `x` does not exist…".
// - vLLM: "This model's maximum context length is 2048 tokens. However, you requested 2100 tokens (…)",
//   or "… is longer than the maximum model length of 2048"; 404 "The model `x` does not exist.".
// - apo serve: code "context_length_exceeded", "sequence has 600 tokens but the model's context is 128; …";
//   code "NO_TOKENIZER" ("the model has no tokenizer.json…"), "NO_CHAT_TEMPLATE" ("the tokenizer has no chat
//   template…"); 404 code "model_not_found".
// - llama.cpp server: "the request exceeds the available context size, try increasing it".
// - Ollama: 404 "model \"x\" not found, try pulling it first".
const CONTEXT =
  /context[ _-]?(length|window|size)|maximum context|model's context|maximum model length|max_model_len|longer than the maximum|prompt is too long|too many tokens/i;
const NO_TOKENIZER = /no tokenizer|tokenizer\.json|tokenizer (is )?(missing|not found)/i;
const NO_TEMPLATE = /chat[ _-]?template/i;
const MODEL_NOT_FOUND = /\bmodel\b.*\b(does not exist|not found|unknown)\b|\bunknown model\b/i;

/**
 * Whether a refused request (a 4xx with no retry) says something about the server's configuration that
 * every other row would meet too: a context too short for the prompt and `max_tokens`, no tokenizer, no
 * chat template, an unknown model or route, a refused key. Such a refusal stops the run (rows stay undone,
 * for the next run); any other 400/413/422 is about the row and rejects only it.
 *
 * @example
 * ```ts
 * serverRefusal({ status: 400, code: "context_length_exceeded", message: "…", model: "llama", baseURL })?.problem;
 * // "the prompt and max_tokens do not fit the model's context"
 * ```
 */
export function serverRefusal(request: RefusedRequest): ServerRefusal | undefined {
  const { status, message } = request;
  const code = typeof request.code === "string" ? request.code.toLowerCase() : "";
  if (status === 401 || status === 403) {
    return {
      problem: "the server refused the API key",
      fix: "set the key variable of this endpoint (--api-key-env or --ROLE-api-key-env, default OPENAI_API_KEY) to a key it accepts",
    };
  }
  if (status === 404) {
    return {
      problem:
        code === "model_not_found" || MODEL_NOT_FOUND.test(message)
          ? `the server does not serve the model "${request.model}"`
          : "the base URL has no chat-completions route",
      fix: `give --ROLE-model a model that GET ${request.baseURL.replace(/\/+$/, "")}/models lists, and a --ROLE-base-url that ends in /v1`,
    };
  }
  if (status !== 400 && status !== 413 && status !== 422) return undefined;
  if (code === "context_length_exceeded" || CONTEXT.test(message)) {
    return {
      problem: "the prompt and max_tokens do not fit the model's context",
      fix: "serve the model with a longer context (apo init-model --context 2048 or more; vLLM --max-model-len; llama.cpp -c), or lower --ROLE-max-tokens; if only a few rows are that long, remove them from the input",
    };
  }
  if (code === "no_tokenizer" || NO_TOKENIZER.test(message)) {
    return {
      problem: "the server has no tokenizer for the model, so it cannot read chat messages",
      fix: "serve a model folder that holds its tokenizer.json (and tokenizer_config.json with a chat template)",
    };
  }
  if (code === "no_chat_template" || NO_TEMPLATE.test(message)) {
    return {
      problem: "the model has no chat template, so the server cannot turn chat messages into a prompt",
      fix: "add chat_template to the model's tokenizer_config.json, or start the server with one (vLLM --chat-template)",
    };
  }
  return undefined;
}
