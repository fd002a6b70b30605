import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { ModelConfig } from "../config/model-config.js";
import { parseModelConfig } from "../config/parse-model-config.js";
import { ModelTokenizer } from "../tokenizer/model-tokenizer.js";
import { CompletionRow } from "./completion-row.js";
import { ModelFolderError } from "./generate-errors.js";
import type {
  ChatRequest,
  Completion,
  Generation,
  GenerationOptions,
  Generator,
  Prompt,
} from "./generator.js";
import { generationOf } from "./local-generator.js";
import {
  DEFAULT_MAX_NEW_TOKENS,
  eosTokenIds,
  promptIds,
  validateGenerationOptions,
} from "./prepare-prompts.js";
import { maskTopKTopP } from "./sample-token.js";

type Transformers = typeof import("@huggingface/transformers");
type CausalLM = Awaited<ReturnType<Transformers["AutoModelForCausalLM"]["from_pretrained"]>>;

/** Options of {@link TransformersGenerator.load}. */
export interface TransformersGeneratorOptions {
  /** Model name (default: the folder's name). */
  readonly name?: string;
  /** transformers.js weight variant: `"fp32"` (default, `onnx/model.onnx`), `"q8"`, `"fp16"`, … */
  readonly dtype?: "fp32" | "fp16" | "q8" | "int8" | "uint8" | "q4" | "bnb4" | "q4f16";
  /** Sampling defaults of `complete` and `generate` (each call may override them). */
  readonly defaults?: Omit<GenerationOptions, "onText" | "signal">;
}

/**
 * Whether a folder holds a transformers.js export (`onnx/model*.onnx` beside `config.json`).
 *
 * @example
 * ```ts
 * isTransformersJsFolder("exports/tiny-llama"); // true
 * ```
 */
export function isTransformersJsFolder(dir: string): boolean {
  return existsSync(join(dir, "config.json")) && existsSync(join(dir, "onnx", "model.onnx"));
}

async function importTransformers(dir: string): Promise<Transformers> {
  try {
    return await import("@huggingface/transformers");
  } catch (cause) {
    throw new ModelFolderError(
      dir,
      "serving a transformers.js export needs the optional peer dependency @huggingface/transformers: npm install @huggingface/transformers",
      { cause },
    );
  }
}

/**
 * A {@link Generator} backed by `@huggingface/transformers` (transformers.js) for a model exported in its
 * layout (`onnx/model.onnx`, `config.json`, tokenizer files), read from a local folder with remote
 * downloads off. Prompts, chat templates, stop text and streaming are handled as in
 * {@link LocalGenerator}; sampling is transformers.js's own (seeded through its `random.seed`), so seeded
 * samples differ between the two backends while greedy decoding agrees. `topK` and `topP` are applied
 * by our own logits processor (transformers.js 4 has its warpers disabled). Calls run one at a time.
 *
 * @example
 * ```ts
 * const generator = await TransformersGenerator.load("exports/tiny-llama");
 * const [c] = await generator.complete(["Once upon a time"], { temperature: 0, maxNewTokens: 16 });
 * await generator.close();
 * ```
 */
export class TransformersGenerator implements Generator {
  readonly model: string;
  readonly config: ModelConfig;
  readonly #tjs: Transformers;
  readonly #lm: CausalLM;
  readonly #tokenizer: ModelTokenizer | null;
  readonly #options: TransformersGeneratorOptions;
  readonly #eos: ReadonlySet<number>;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    tjs: Transformers,
    lm: CausalLM,
    config: ModelConfig,
    tokenizer: ModelTokenizer | null,
    options: TransformersGeneratorOptions,
    dir: string,
  ) {
    this.#tjs = tjs;
    this.#lm = lm;
    this.config = config;
    this.#tokenizer = tokenizer;
    this.#options = options;
    this.model = options.name ?? basename(dir);
    this.#eos = eosTokenIds(config, tokenizer);
  }

  /**
   * Load a transformers.js folder. Sets `env.allowRemoteModels = false` for the process: nothing is
   * downloaded.
   *
   * @throws ModelFolderError when the folder is not a transformers.js export or the package is missing
   */
  static async load(dir: string, options: TransformersGeneratorOptions = {}): Promise<TransformersGenerator> {
    const path = resolve(dir);
    if (!isTransformersJsFolder(path)) throw new ModelFolderError(dir, "no config.json and onnx/model.onnx");
    const tjs = await importTransformers(dir);
    tjs.env.allowRemoteModels = false;
    const config = parseModelConfig(JSON.parse(await readFile(join(path, "config.json"), "utf8")));
    const lm = await tjs.AutoModelForCausalLM.from_pretrained(path, {
      local_files_only: true,
      dtype: options.dtype ?? "fp32",
      device: "cpu",
    });
    const tokenizer = existsSync(join(path, "tokenizer.json")) ? await ModelTokenizer.load(path) : null;
    return new TransformersGenerator(tjs, lm, config, tokenizer, options, path);
  }

  /** The model's context in tokens (`max_position_embeddings`). */
  get contextLength(): number {
    return this.config.maxPositions;
  }

  complete(prompts: readonly Prompt[], given: GenerationOptions = {}): Promise<Completion[]> {
    const options = { ...this.#options.defaults, ...given };
    validateGenerationOptions(options);
    const rows = prompts.map((p) => promptIds(p, this.config, this.#tokenizer));
    // transformers.js samples from one global generator: calls run one after the other.
    const run = this.#queue.then(() => this.#run(rows, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #run(prompts: readonly number[][], options: GenerationOptions): Promise<Completion[]> {
    options.signal?.throwIfAborted();
    if (prompts.length === 0) return [];
    const { Tensor, StoppingCriteria, BaseStreamer, LogitsProcessor, LogitsProcessorList, random } =
      this.#tjs;
    const seed = options.seed ?? randomInt(2 ** 31);
    const eos = options.stopTokenIds === undefined ? this.#eos : new Set(options.stopTokenIds);
    const width = Math.max(...prompts.map((p) => p.length));
    const budget = Math.min(options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS, this.config.maxPositions - width);
    const rows = prompts.map(
      (ids, index) =>
        new CompletionRow(ids, {
          options,
          index,
          seed,
          tokenizer: this.#tokenizer,
          stopTokenIds: eos,
          maxNewTokens: budget,
        }),
    );
    const padId = this.#tokenizer?.padTokenId ?? this.config.eosTokenId ?? 0;
    const ids = new BigInt64Array(prompts.length * width).fill(BigInt(padId));
    const mask = new BigInt64Array(prompts.length * width);
    prompts.forEach((p, b) => {
      const offset = b * width + width - p.length;
      p.forEach((id, t) => {
        ids[offset + t] = BigInt(id);
        mask[offset + t] = 1n;
      });
    });
    let promptSeen = false;
    class RowStreamer extends BaseStreamer {
      override put(value: bigint[][]): void {
        // The first call carries the prompts; later ones one new token per row.
        if (!promptSeen) {
          promptSeen = true;
          return;
        }
        for (const [b, [token]] of value.entries()) rows[b]!.accept(Number(token));
      }
      override end(): void {}
    }
    class RowsDone extends StoppingCriteria {
      override _call(): boolean[] {
        return rows.map((r) => r.done);
      }
    }
    const temperature = options.temperature ?? 1;
    const greedy = temperature === 0 || options.topK === 1;
    const topK = options.topK ?? 0;
    const topP = options.topP ?? 1;
    // transformers.js 4 applies neither warper itself: top-k then top-p, after its temperature warper.
    class TopKTopP extends LogitsProcessor {
      override _call(_ids: bigint[][], logits: InstanceType<Transformers["Tensor"]>) {
        const data = logits.data as Float32Array;
        const vocab = logits.dims.at(-1) ?? data.length;
        for (let at = 0; at < data.length; at += vocab)
          maskTopKTopP(data.subarray(at, at + vocab), topK, topP);
        return logits;
      }
    }
    const processors = new LogitsProcessorList();
    if (!greedy && (topK > 0 || topP < 1)) processors.push(new TopKTopP());
    random.seed(seed);
    await this.#lm.generate({
      inputs: new Tensor("int64", ids, [prompts.length, width]),
      attention_mask: new Tensor("int64", mask, [prompts.length, width]),
      max_new_tokens: budget,
      do_sample: !greedy,
      ...(greedy ? {} : { temperature, top_k: 0 }),
      logits_processor: processors,
      eos_token_id: [...eos],
      pad_token_id: padId,
      // Its declared type asks for a TextStreamer; any BaseStreamer is what `generate` calls.
      streamer: new RowStreamer() as unknown as InstanceType<Transformers["TextStreamer"]>,
      stopping_criteria: [new RowsDone()],
    });
    options.signal?.throwIfAborted();
    return rows.map((r) => r.result());
  }

  async generate(request: ChatRequest): Promise<Generation> {
    const { messages, n = 1, ...options } = request;
    return generationOf(
      await this.complete(
        Array.from({ length: n }, () => messages),
        options,
      ),
      this.model,
    );
  }

  async close(): Promise<void> {
    await this.#lm.dispose();
  }
}
