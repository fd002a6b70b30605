import { ApoError } from "../errors.js";

/**
 * A checkpoint's tokenizer files are missing or unusable (no `tokenizer.json`, no chat template when one is
 * needed, a template that fails to render). `file` names the file at fault.
 *
 * @example
 * ```ts
 * throw new TokenizerError("models/x: no tokenizer.json; give token ids instead", { file: "models/x/tokenizer.json" });
 * ```
 */
export class TokenizerError extends ApoError {
  readonly file: string;
  constructor(message: string, facts: { file: string; cause?: unknown }) {
    super("TOKENIZER", message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.file = facts.file;
  }
}
