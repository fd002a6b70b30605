import type { ChatMessage } from "../tokenizer/model-tokenizer.js";
import type { SamplingParams } from "./sample-token.js";

/**
 * What to continue: a text (tokenized as is, no special tokens added), a conversation (rendered with
 * the model's chat template and a generation prompt), or token ids (for models without a tokenizer).
 *
 * @example
 * ```ts
 * const prompts: Prompt[] = ["Once upon a time", [{ role: "user", content: "Hi" }], { ids: [1, 403] }];
 * ```
 */
export type Prompt = string | readonly ChatMessage[] | { readonly ids: readonly number[] };

/** How to sample: {@link SamplingParams} plus length, stop conditions, seed and streaming. */
export interface GenerationOptions extends SamplingParams {
  /** Most tokens to generate per completion (default 256; also bounded by the model's context). */
  readonly maxNewTokens?: number;
  /**
   * Seed of the sampler: the same seed, prompts and options give the same completions. Completion i of a
   * call draws from its own stream derived from (seed, i). Default: a random seed.
   */
  readonly seed?: number;
  /** Texts that end a completion; the completion is cut before the first one that appears. */
  readonly stop?: readonly string[];
  /** Token ids that end a completion (default: the EOS ids of the config, tokenizer and generation config). */
  readonly stopTokenIds?: readonly number[];
  readonly signal?: AbortSignal;
  /** Streaming: called with each piece of completion `index`'s text as soon as it is final. */
  readonly onText?: (index: number, delta: string) => void;
  /** Progress: called for each token completion `index` samples (nothing is decoded for it). */
  readonly onToken?: (index: number) => void;
}

/** Why a completion ended, in OpenAI's words: an EOS token or stop text (`stop`) or the token budget (`length`). */
export type FinishReason = "stop" | "length";

/** One completion with its token usage. */
export interface Completion {
  readonly text: string;
  /** Every sampled token, including a final EOS. */
  readonly tokenIds: readonly number[];
  readonly finishReason: FinishReason;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/**
 * A chat request in the shape `@clair/revise` sends to its generators (`messages`, `n`, `signal`), plus
 * optional per-request sampling overrides.
 *
 * @example
 * ```ts
 * const request: ChatRequest = { messages: [{ role: "user", content: "Hi" }], n: 2, temperature: 0.7 };
 * ```
 */
export interface ChatRequest extends Omit<GenerationOptions, "onText" | "signal"> {
  readonly messages: readonly ChatMessage[];
  /** How many completions (default 1). */
  readonly n?: number;
  readonly signal?: AbortSignal;
}

/**
 * The completions of a {@link ChatRequest}, in the shape `@clair/revise`'s `Generation`: texts, token usage
 * (prompt counted once, completions summed) and the model name.
 */
export interface Generation {
  readonly texts: readonly string[];
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number };
  readonly model: string;
}

/**
 * A model that samples completions in-process. `generate` has the shape of `@clair/revise`'s `Generator`
 * role, so a local model plugs into CLAIR or the on-policy judge with no HTTP; `complete` is the batched
 * interface under it. Backed by our own ONNX graph ({@link LocalGenerator}) or by transformers.js
 * ({@link TransformersGenerator}).
 *
 * @example
 * ```ts
 * const generator: Generator = await LocalGenerator.load("models/tiny-llama");
 * const { texts, usage } = await generator.generate({ messages: [{ role: "user", content: "Hi" }], n: 2 });
 * const [c] = await generator.complete(["Once upon a time"], { temperature: 0, maxNewTokens: 16 });
 * await generator.close();
 * ```
 */
export interface Generator {
  /** Model name reported in generations and by `apo serve`'s `/v1/models`. */
  readonly model: string;
  /**
   * The model's context in tokens, when known: `apo serve` refuses prompts too long to fit it by their size,
   * before tokenising them.
   */
  readonly contextLength?: number;
  /** Sample `n` completions of a conversation. */
  generate(request: ChatRequest): Promise<Generation>;
  /** Sample one completion per prompt (batched). */
  complete(prompts: readonly Prompt[], options?: GenerationOptions): Promise<Completion[]>;
  /** Release the model. */
  close(): Promise<void>;
}
