import { ApoError, type ApoErrorCode } from "../errors.js";

/**
 * A generation request cannot be served: a text prompt for a model without tokenizer, a chat prompt
 * without a chat template, a prompt longer than the context, an invalid sampling option.
 *
 * @example
 * ```ts
 * throw new GenerationError("BAD_SAMPLING", "temperature must be ≥ 0, got -1", "temperature");
 * ```
 */
export class GenerationError extends ApoError {
  /** The option or input at fault, when there is one. */
  readonly field: string | undefined;
  constructor(
    code: Extract<ApoErrorCode, "BAD_SAMPLING" | "EMPTY_PROMPT" | "NO_CHAT_TEMPLATE" | "NO_TOKENIZER">,
    message: string,
    field?: string,
  ) {
    super(code, message);
    this.field = field;
  }
}

/**
 * A model folder cannot be opened for generation (no weights or ONNX export, a missing optional
 * dependency).
 *
 * @example
 * ```ts
 * throw new ModelFolderError("models/x", "neither *.safetensors nor onnx/model.onnx");
 * ```
 */
export class ModelFolderError extends ApoError {
  readonly dir: string;
  constructor(dir: string, problem: string, options?: { cause?: unknown }) {
    super("MODEL_FOLDER", `${dir}: ${problem}`, options);
    this.dir = dir;
  }
}
