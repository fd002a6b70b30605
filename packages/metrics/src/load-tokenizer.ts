import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { MetricsError } from "./errors.js";
import type { TokenizerFunction } from "./tokenize.js";

/**
 * Loads a Hugging Face `tokenizer.json` (and the `tokenizer_config.json` beside it, when there is one)
 * with the optional peer dependency `@huggingface/tokenizers`, and returns a tokenizer function for
 * {@link jaccard}: the model's token strings of a text, without special tokens.
 *
 * @example
 * ```ts
 * const llama = await loadTokenizer("models/llama-3/tokenizer.json");
 * jaccard(chosen, rejected, { tokenizer: llama });
 * ```
 */
export async function loadTokenizer(path: string): Promise<TokenizerFunction> {
  let module: typeof import("@huggingface/tokenizers");
  try {
    module = await import("@huggingface/tokenizers");
  } catch (error) {
    throw new MetricsError(
      "TOKENIZER_UNAVAILABLE",
      "Loading a tokenizer.json needs the optional peer dependency @huggingface/tokenizers: install it (npm install @huggingface/tokenizers).",
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new MetricsError(
      "INVALID_OPTION",
      `Cannot read the tokenizer file ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const configPath = join(dirname(path), "tokenizer_config.json");
  const config: unknown = existsSync(configPath) ? JSON.parse(await readFile(configPath, "utf8")) : {};
  let tokenizer: InstanceType<typeof module.Tokenizer>;
  try {
    tokenizer = new module.Tokenizer(json as object, config as object);
  } catch (error) {
    throw new MetricsError(
      "INVALID_OPTION",
      `${path} is not a tokenizer that @huggingface/tokenizers can load: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return (text: string) => tokenizer.tokenize(text);
}
