export {
  BYTE_LEVEL_SPECIAL_TOKENS,
  byteToUnicode,
  createByteLevelTokenizer,
  TINY_CHAT_TEMPLATE,
  type TokenizerFiles,
} from "./byte-level-tokenizer.js";
export { type ChatMessage, ModelTokenizer } from "./model-tokenizer.js";
export { TokenizerError } from "./tokenizer-error.js";
