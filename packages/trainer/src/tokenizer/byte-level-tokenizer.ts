/** Special tokens of the tokenizers that {@link createByteLevelTokenizer} makes, at ids 0, 1, 2. */
export const BYTE_LEVEL_SPECIAL_TOKENS = { pad: "<pad>", bos: "<s>", eos: "</s>" } as const;

/**
 * A simple chat template for tiny models: `<s>`, then per message `<|role|>\n content </s>\n`, then
 * `<|assistant|>\n` when a generation prompt is asked for.
 *
 * @example
 * ```ts
 * // [{ role: "user", content: "Hi" }] with a generation prompt:
 * // "<s><|user|>\nHi</s>\n<|assistant|>\n"
 * createByteLevelTokenizer({ chatTemplate: TINY_CHAT_TEMPLATE });
 * ```
 */
export const TINY_CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}{{ eos_token }}\n" +
  "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}";

/**
 * GPT-2's reversible map from the 256 byte values to printable Unicode characters, used by byte-level BPE:
 * printable Latin-1 bytes map to themselves, the other 68 to U+0100 onwards in byte order.
 *
 * @example
 * ```ts
 * byteToUnicode()[32]; // "Ġ"
 * ```
 */
export function byteToUnicode(): string[] {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable(b) ? b : next++));
  return out;
}

/** The `tokenizer.json` and `tokenizer_config.json` objects of a locally made tokenizer. */
export interface TokenizerFiles {
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
}

/**
 * Make a byte-level tokenizer without downloading anything: a BPE model with no merges over the 256
 * byte symbols (ids 3–258, like llama2.c's byte pieces), after `<pad>` = 0, `<s>` = 1, `</s>` = 2.
 * Every UTF-8 string round-trips; the vocabulary has 259 entries. Loads in `@huggingface/tokenizers`,
 * transformers (`PreTrainedTokenizerFast`) and transformers.js.
 *
 * @example
 * ```ts
 * const { tokenizerJson, tokenizerConfig } = createByteLevelTokenizer();
 * new Tokenizer(tokenizerJson, tokenizerConfig).encode("hi").ids; // [107, 108]
 * ```
 */
export function createByteLevelTokenizer(
  options: { chatTemplate?: string; maxLength?: number } = {},
): TokenizerFiles {
  const specials = [
    BYTE_LEVEL_SPECIAL_TOKENS.pad,
    BYTE_LEVEL_SPECIAL_TOKENS.bos,
    BYTE_LEVEL_SPECIAL_TOKENS.eos,
  ];
  const vocab: Record<string, number> = {};
  specials.forEach((t, i) => {
    vocab[t] = i;
  });
  byteToUnicode().forEach((ch, b) => {
    vocab[ch] = specials.length + b;
  });
  const added = specials.map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false };
  const tokenizerJson = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
  const tokenizerConfig = {
    tokenizer_class: "PreTrainedTokenizerFast",
    bos_token: BYTE_LEVEL_SPECIAL_TOKENS.bos,
    eos_token: BYTE_LEVEL_SPECIAL_TOKENS.eos,
    pad_token: BYTE_LEVEL_SPECIAL_TOKENS.pad,
    unk_token: null,
    add_bos_token: false,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    model_max_length: options.maxLength ?? 512,
    chat_template: options.chatTemplate ?? TINY_CHAT_TEMPLATE,
    added_tokens_decoder: Object.fromEntries(added.map(({ id, ...rest }) => [String(id), rest])),
  };
  return { tokenizerJson, tokenizerConfig };
}
