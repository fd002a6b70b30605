import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { loadPretrainedModel, type PretrainedModel } from "../models/pretrained-model.js";
import { BatchScheduler } from "./batch-scheduler.js";
import { CompletionRow } from "./completion-row.js";
import { decodeBatch } from "./decode-batch.js";
import { DecoderSession, type DecoderSessionOptions } from "./decoder-session.js";
import type {
  ChatRequest,
  Completion,
  Generation,
  GenerationOptions,
  Generator,
  Prompt,
} from "./generator.js";
import {
  DEFAULT_MAX_NEW_TOKENS,
  eosTokenIds,
  promptIds,
  validateGenerationOptions,
} from "./prepare-prompts.js";

/** Options of {@link LocalGenerator}. */
export interface LocalGeneratorOptions extends DecoderSessionOptions {
  /** Model name (default: the folder's name, or `"local"`). */
  readonly name?: string;
  /** Most completions decoded together (default 16). */
  readonly maxBatchSize?: number;
  /** How long the first queued request waits for others to share its batch, in ms (default 2). */
  readonly batchWindowMs?: number;
  /** Sampling defaults of `complete` and `generate` (each call may override them). */
  readonly defaults?: Omit<GenerationOptions, "onText" | "signal">;
  /** `false` recomputes the whole prefix at every step instead of using the key/value cache (for benches). */
  readonly cache?: boolean;
  /** Extra token ids that end completions (besides the model's EOS ids). */
  readonly stopTokenIds?: readonly number[];
}

async function generationConfigEos(dir: string): Promise<number[]> {
  const path = join(dir, "generation_config.json");
  if (!existsSync(path)) return [];
  const eos = (JSON.parse(await readFile(path, "utf8")) as { eos_token_id?: unknown }).eos_token_id;
  const ids = Array.isArray(eos) ? eos : [eos];
  return ids.filter((id): id is number => Number.isInteger(id));
}

/**
 * A {@link Generator} that samples a model loaded by the trainer's builders, on its cached decoder graph
 * in onnxruntime-node. Concurrent calls are queued and decoded together in batches (each completion
 * keeps its own sampling options, seed and stop conditions).
 *
 * @example
 * ```ts
 * const generator = await LocalGenerator.load("models/tiny-llama", { defaults: { temperature: 0.7, maxNewTokens: 64 } });
 * const [greedy] = await generator.complete(["Once upon a time"], { temperature: 0, maxNewTokens: 16 });
 * const { texts } = await generator.generate({ messages: [{ role: "user", content: "Hi" }], n: 4, seed: 1 });
 * await generator.close();
 * ```
 */
export class LocalGenerator implements Generator {
  readonly model: string;
  readonly pretrained: PretrainedModel;
  readonly #session: DecoderSession;
  readonly #options: LocalGeneratorOptions;
  readonly #eos: ReadonlySet<number>;
  readonly #scheduler: BatchScheduler<CompletionRow>;

  private constructor(
    pretrained: PretrainedModel,
    session: DecoderSession,
    options: LocalGeneratorOptions,
    extraEos: readonly number[],
  ) {
    this.pretrained = pretrained;
    this.#session = session;
    this.#options = options;
    const source = pretrained.source === null ? "local" : basename(resolve(pretrained.source));
    this.model = options.name ?? source;
    this.#eos = eosTokenIds(pretrained.config, pretrained.tokenizer, [
      ...extraEos,
      ...(options.stopTokenIds ?? []),
    ]);
    const { config, tokenizer } = pretrained;
    const padId = tokenizer?.padTokenId ?? config.eosTokenId ?? 0;
    const cache = options.cache ?? true;
    this.#scheduler = new BatchScheduler((rows) => decodeBatch(session, rows, { padId, cache }), {
      ...(options.maxBatchSize === undefined ? {} : { maxBatch: options.maxBatchSize }),
      ...(options.batchWindowMs === undefined ? {} : { windowMs: options.batchWindowMs }),
    });
  }

  /** Open a model already in memory (e.g. from `createTinyModel` or a training run). */
  static async create(model: PretrainedModel, options: LocalGeneratorOptions = {}): Promise<LocalGenerator> {
    const extra = model.source === null ? [] : await generationConfigEos(model.source);
    return new LocalGenerator(model, await DecoderSession.create(model, options), options, extra);
  }

  /** Load a Hugging Face checkpoint folder (`config.json`, `*.safetensors`, tokenizer files) and open it. */
  static async load(dir: string, options: LocalGeneratorOptions = {}): Promise<LocalGenerator> {
    return LocalGenerator.create(await loadPretrainedModel(dir), options);
  }

  /** The model's context in tokens (`max_position_embeddings`). */
  get contextLength(): number {
    return this.pretrained.config.maxPositions;
  }

  /** Decoding batches run so far (concurrent calls share batches). */
  get batches(): number {
    return this.#scheduler.batches;
  }

  async complete(prompts: readonly Prompt[], given: GenerationOptions = {}): Promise<Completion[]> {
    const options = { ...this.#options.defaults, ...given };
    validateGenerationOptions(options);
    const { config, tokenizer } = this.pretrained;
    const seed = options.seed ?? randomInt(2 ** 31);
    const eos = options.stopTokenIds === undefined ? this.#eos : new Set(options.stopTokenIds);
    const rows = prompts.map((prompt, index) => {
      const ids = promptIds(prompt, config, tokenizer);
      const budget = Math.min(
        options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS,
        config.maxPositions - ids.length,
      );
      return new CompletionRow(ids, {
        options,
        index,
        seed,
        tokenizer,
        stopTokenIds: eos,
        maxNewTokens: budget,
      });
    });
    options.signal?.throwIfAborted();
    await this.#scheduler.run(rows);
    options.signal?.throwIfAborted();
    return rows.map((row) => row.result());
  }

  async generate(request: ChatRequest): Promise<Generation> {
    const { messages, n = 1, ...options } = request;
    const completions = await this.complete(
      Array.from({ length: n }, () => messages),
      options,
    );
    return generationOf(completions, this.model);
  }

  async close(): Promise<void> {
    await this.#session.release();
  }
}

/**
 * A {@link Generation} from the completions of one prompt: texts, prompt tokens once, completion tokens summed.
 *
 * @example
 * ```ts
 * generationOf(await generator.complete([messages, messages]), generator.model).texts.length; // 2
 * ```
 */
export function generationOf(completions: readonly Completion[], model: string): Generation {
  return {
    texts: completions.map((c) => c.text),
    usage: {
      promptTokens: completions[0]?.promptTokens ?? 0,
      completionTokens: completions.reduce((sum, c) => sum + c.completionTokens, 0),
    },
    model,
  };
}
