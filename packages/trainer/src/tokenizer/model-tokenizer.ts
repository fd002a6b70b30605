import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";
import { TokenizerError } from "./tokenizer-error.js";

/** One chat message, as in TRL's conversational format. */
export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

type Json = Record<string, unknown>;

/** The `model.type`s of `tokenizer.json` that `@huggingface/tokenizers` runs. */
const TOKENIZER_MODELS = ["BPE", "WordPiece", "Unigram", "WordLevel"];

/** A JSON object read from `path`; a TokenizerError naming the path when the file is unreadable or not one. */
async function readJsonObject(path: string): Promise<Json> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (cause) {
    throw new TokenizerError(`${path}: not readable JSON: ${String(cause)}`, { file: path, cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TokenizerError(`${path}: expected a JSON object`, { file: path });
  }
  return value as Json;
}

function tokenContent(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null && typeof (value as Json).content === "string") {
    return (value as Json).content as string;
  }
  return null;
}

function pickTemplate(raw: unknown): string | null {
  if (typeof raw === "string") return raw;
  if (Array.isArray(raw)) {
    const named = raw as { name?: unknown; template?: unknown }[];
    const found = named.find((t) => t.name === "default") ?? named[0];
    return typeof found?.template === "string" ? found.template : null;
  }
  return null;
}

/**
 * A Hugging Face tokenizer with its chat template: `tokenizer.json` run by `@huggingface/tokenizers`,
 * `tokenizer_config.json`'s (or `chat_template.jinja`'s) template rendered by `@huggingface/jinja`.
 *
 * @example
 * ```ts
 * const tok = await ModelTokenizer.load("models/tiny-llama");
 * const text = tok.applyChatTemplate([{ role: "user", content: "Hi" }], { addGenerationPrompt: true });
 * tok.encode(text);
 * ```
 */
export class ModelTokenizer {
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  readonly padTokenId: number | null;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  readonly #tokenizer: Tokenizer;
  readonly #template: Template | null;
  readonly #source: string;
  readonly #specialTokens: Readonly<Record<string, string>>;
  /** The parsed `tokenizer.json`, `tokenizer_config.json` and explicit chat template, to save them again. */
  readonly files: {
    readonly tokenizerJson: Json;
    readonly tokenizerConfig: Json;
    readonly chatTemplate: string | null;
  };

  /**
   * @param tokenizerJson the parsed `tokenizer.json`
   * @param tokenizerConfig the parsed `tokenizer_config.json` (`{}` when there is none)
   * @param chatTemplate overrides `tokenizerConfig.chat_template`
   */
  constructor(tokenizerJson: Json, tokenizerConfig: Json, chatTemplate?: string | null, source = "<memory>") {
    this.#source = source;
    this.files = { tokenizerJson, tokenizerConfig, chatTemplate: chatTemplate ?? null };
    this.#tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    this.bosToken = tokenContent(tokenizerConfig.bos_token);
    this.eosToken = tokenContent(tokenizerConfig.eos_token);
    const id = (t: string | null) => (t === null ? null : (this.#tokenizer.token_to_id(t) ?? null));
    this.bosTokenId = id(this.bosToken);
    this.eosTokenId = id(this.eosToken);
    this.padTokenId = id(tokenContent(tokenizerConfig.pad_token));
    // A missing BOS/EOS renders as "" (what Jinja2 prints for an undefined name).
    const special: Record<string, string> = { bos_token: "", eos_token: "" };
    for (const name of [
      "bos_token",
      "eos_token",
      "unk_token",
      "sep_token",
      "pad_token",
      "cls_token",
      "mask_token",
    ]) {
      const content = tokenContent(tokenizerConfig[name]);
      if (content !== null) special[name] = content;
    }
    this.#specialTokens = special;
    const template = chatTemplate ?? pickTemplate(tokenizerConfig.chat_template);
    try {
      this.#template = template === null ? null : new Template(template);
    } catch (cause) {
      throw new TokenizerError(`${source}: the chat template does not parse`, { file: source, cause });
    }
  }

  /**
   * Load `tokenizer.json`, `tokenizer_config.json` (optional) and `chat_template.jinja` (optional) from a
   * checkpoint folder.
   *
   * @throws TokenizerError when `tokenizer.json` is missing
   */
  static async load(dir: string): Promise<ModelTokenizer> {
    const jsonPath = join(dir, "tokenizer.json");
    if (!existsSync(jsonPath)) {
      throw new TokenizerError(
        `${dir}: no tokenizer.json; give rows as token ids (prompt_ids, chosen_ids, …)`,
        {
          file: jsonPath,
        },
      );
    }
    const tokenizerJson = await readJsonObject(jsonPath);
    const model = tokenizerJson.model as Json | undefined;
    const type = typeof model === "object" && model !== null ? model.type : undefined;
    if (typeof type !== "string" || !TOKENIZER_MODELS.includes(type)) {
      throw new TokenizerError(
        `${jsonPath}: model.type = ${JSON.stringify(type ?? null)} is not a tokenizer model this package runs (${TOKENIZER_MODELS.join(", ")})`,
        { file: jsonPath },
      );
    }
    const configPath = join(dir, "tokenizer_config.json");
    const config = existsSync(configPath) ? await readJsonObject(configPath) : {};
    const jinjaPath = join(dir, "chat_template.jinja");
    const template = existsSync(jinjaPath) ? await readFile(jinjaPath, "utf8") : null;
    try {
      return new ModelTokenizer(tokenizerJson, config, template, dir);
    } catch (cause) {
      if (TokenizerError.isInstance(cause)) throw cause;
      throw new TokenizerError(`${jsonPath}: the tokenizer cannot be built: ${String(cause)}`, {
        file: jsonPath,
        cause,
      });
    }
  }

  /** Whether a chat template is available. */
  get hasChatTemplate(): boolean {
    return this.#template !== null;
  }

  /**
   * Token ids of a text. By default no special tokens are added (chat templates write their own); with
   * `addSpecialTokens` the tokenizer's post-processor adds them as transformers' `tokenizer(text)` does
   * (BOS for Llama-style tokenizers, nothing for GPT-2 or Qwen).
   */
  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    return this.#tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? false }).ids;
  }

  /** Text of token ids. */
  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return this.#tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /**
   * Render messages with the chat template (as transformers' `apply_chat_template(tokenize=False)`).
   *
   * @throws TokenizerError when the tokenizer has no chat template or the template raises
   */
  applyChatTemplate(
    messages: readonly ChatMessage[],
    options: { addGenerationPrompt?: boolean; tools?: unknown; variables?: Record<string, unknown> } = {},
  ): string {
    if (this.#template === null) {
      throw new TokenizerError(`${this.#source}: tokenizer has no chat_template`, { file: this.#source });
    }
    try {
      // As transformers renders: every special token of the config by name, tools when given, then the
      // row's own `chat_template_kwargs`.
      return this.#template.render({
        ...this.#specialTokens,
        messages,
        ...(options.tools === undefined || options.tools === null ? {} : { tools: options.tools }),
        add_generation_prompt: options.addGenerationPrompt ?? false,
        ...options.variables,
      });
    } catch (cause) {
      throw new TokenizerError(`${this.#source}: chat template failed: ${String(cause)}`, {
        file: this.#source,
        cause,
      });
    }
  }
}
