import { SeededRandom } from "../models/seeded-random.js";
import type { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import type { DecodeRow } from "./decode-batch.js";
import type { FloatData } from "./decoder-session.js";
import type { Completion, FinishReason, GenerationOptions } from "./generator.js";
import { sampleToken } from "./sample-token.js";
import { StopText } from "./stop-text.js";

/**
 * The seed of completion `index` of a call seeded with `seed`: distinct streams for the `n` samples of one
 * prompt, the same ones on every run.
 *
 * @example
 * ```ts
 * new SeededRandom(rowSeed(42, 1));
 * ```
 */
export function rowSeed(seed: number, index: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
}

/** What a {@link CompletionRow} needs besides its prompt. */
export interface CompletionRowSetup {
  readonly options: GenerationOptions;
  /** Position of the completion in its call (picks its random stream and its `onText` index). */
  readonly index: number;
  /** The seed of the call (already drawn when the caller gave none). */
  readonly seed: number;
  readonly tokenizer: ModelTokenizer | null;
  readonly stopTokenIds: ReadonlySet<number>;
  /** Token budget after the context limit is applied. */
  readonly maxNewTokens: number;
}

/**
 * One completion being sampled: draws tokens from its own seeded stream, ends at a stop token, stop text
 * or its budget, streams its text through `onText`, and reports a {@link Completion}.
 *
 * @example
 * ```ts
 * const row = new CompletionRow([1, 72], { options: { temperature: 0 }, index: 0, seed: 0, tokenizer, stopTokenIds: new Set([2]), maxNewTokens: 8 });
 * await decodeBatch(session, [row], { padId: 0 });
 * row.result().text;
 * ```
 */
export class CompletionRow implements DecodeRow {
  readonly promptIds: readonly number[];
  readonly #setup: CompletionRowSetup;
  readonly #rng: SeededRandom;
  readonly #stopText: StopText;
  readonly #tokens: number[] = [];
  #finish: FinishReason | null = null;
  readonly #watchText: boolean;

  constructor(promptIds: readonly number[], setup: CompletionRowSetup) {
    this.promptIds = promptIds;
    this.#setup = setup;
    this.#rng = new SeededRandom(rowSeed(setup.seed, setup.index));
    this.#stopText = new StopText(setup.options.stop ?? []);
    this.#watchText = (setup.options.stop?.length ?? 0) > 0 || setup.options.onText !== undefined;
  }

  /** Whether the completion has ended (or its call was aborted). */
  get done(): boolean {
    return this.#finish !== null || (this.#setup.options.signal?.aborted ?? false);
  }

  next(logits: FloatData): { token: number; done: boolean } {
    const token = sampleToken(logits, this.#setup.options, this.#rng);
    return { token, done: this.accept(token) };
  }

  /** Record a sampled token; returns whether the completion has ended. */
  accept(token: number): boolean {
    if (this.#finish !== null) return true;
    const { stopTokenIds, tokenizer, options } = this.#setup;
    this.#tokens.push(token);
    options.onToken?.(this.#setup.index);
    if (stopTokenIds.has(token)) {
      this.#end("stop");
      return true;
    }
    // Without stop text or streaming, the text is decoded once, at the end.
    if (tokenizer !== null && this.#watchText) {
      const { delta, stopped } = this.#stopText.update(this.#decode(tokenizer));
      if (delta !== "") options.onText?.(this.#setup.index, delta);
      if (stopped) {
        this.#end("stop");
        return true;
      }
    }
    if (this.#tokens.length >= this.#setup.maxNewTokens) {
      this.#end("length");
      return true;
    }
    return this.done;
  }

  #decode(tokenizer: ModelTokenizer): string {
    const ids = this.#tokens.filter((t) => !this.#setup.stopTokenIds.has(t));
    // @huggingface/tokenizers refuses to decode an empty list.
    return ids.length === 0 ? "" : tokenizer.decode(ids, { skipSpecialTokens: true });
  }

  #end(reason: FinishReason): void {
    this.#finish = reason;
    const { tokenizer } = this.#setup;
    if (tokenizer !== null && !this.#watchText) this.#stopText.update(this.#decode(tokenizer));
    const rest = this.#stopText.flush();
    if (rest !== "") this.#setup.options.onText?.(this.#setup.index, rest);
  }

  /** The finished completion (a budget end if sampling stopped early). */
  result(): Completion {
    const { tokenizer } = this.#setup;
    if (this.#finish === null && !this.#watchText && tokenizer !== null) {
      this.#stopText.update(this.#decode(tokenizer));
    }
    return {
      text: this.#stopText.text,
      tokenIds: [...this.#tokens],
      finishReason: this.#finish ?? "length",
      promptTokens: this.promptIds.length,
      completionTokens: this.#tokens.length,
    };
  }
}
