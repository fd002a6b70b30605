/** Stable machine-readable codes of every error `@apo/trainer` throws, one per failure kind. */
export type ApoErrorCode =
  | "BAD_ADAPTER"
  | "BAD_BATCH"
  | "BAD_SAMPLING"
  | "BAD_TRAIN_DATA"
  | "BAD_TRL_CONFIG"
  | "EMPTY_PROMPT"
  | "EPOCH_EVAL"
  | "EXECUTION_PROVIDER_UNAVAILABLE"
  | "GRADIENT"
  | "HTTP"
  | "INVALID_TRAIN_CONFIG"
  | "INVALID_TRL_EXPORT"
  | "IO"
  | "MISSING_GRADIENT_RULE"
  | "MISSING_WEIGHT"
  | "MODEL_FOLDER"
  | "NON_FINITE_WEIGHT"
  | "NO_CHAT_TEMPLATE"
  | "NO_TOKENIZER"
  | "ONNX_GRAPH"
  | "RESUME_DATA_CHANGED"
  | "RUN_LOCKED"
  | "SAFETENSORS_INVALID"
  | "SEQUENCE_TOO_LONG"
  | "SHARD_PATH_OUTSIDE_MODEL"
  | "TOKENIZER"
  | "UNKNOWN_LORA_TARGET"
  | "UNSUPPORTED_CONFIG"
  | "UNSUPPORTED_TRAIN_LOSS"
  | "USAGE"
  | "WEIGHT_MISMATCH";

/**
 * Marks every ApoError. `Symbol.for` returns one symbol per realm whichever copy of @apo/trainer created the
 * error, so `isInstance` holds where `instanceof` fails (two installed versions, a bundled copy).
 */
const MARKER = Symbol.for("@apo/trainer.error");

/**
 * Base class of every error thrown by `@apo/trainer`.
 *
 * `code` is a stable string that callers can switch on; the message says what was wrong and what to do.
 * Subclasses carry the facts (`field`, `expected`, `actual`, …) as readonly properties, and wrapped failures
 * keep `cause`.
 *
 * @example
 * ```ts
 * try {
 *   addGradients(graph, { loss: "loss", wrt: ["w"] });
 * } catch (error) {
 *   if (ApoError.isInstance(error) && error.code === "MISSING_GRADIENT_RULE") console.error(error.message);
 *   else throw error;
 * }
 * ```
 */
export class ApoError extends Error {
  readonly [MARKER] = true;
  /** Stable, machine-readable error code. */
  readonly code: ApoErrorCode;

  constructor(code: ApoErrorCode, message: string, options?: ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * Whether `value` is an error of @apo/trainer, from this copy of the package or any other. Subclasses
   * inherit this check unchanged (it answers "any ApoError"); tell the kinds apart by `code`.
   *
   * @example
   * ```ts
   * if (ApoError.isInstance(error)) console.error(error.code);
   * ```
   */
  static isInstance(value: unknown): value is ApoError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}

/**
 * An ONNX graph is malformed or cannot be read or written (bad protobuf, unknown dtype, missing value,
 * dangling external data, duplicate name).
 *
 * @example
 * ```ts
 * throw new OnnxGraphError("tensor `w` has 6 values but dims [2, 2] need 4", { tensor: "w" });
 * ```
 */
export class OnnxGraphError extends ApoError {
  /** The value, node or initializer the problem is about, when there is one. */
  readonly subject: string | undefined;

  constructor(message: string, facts: { subject?: string; cause?: unknown } = {}) {
    super("ONNX_GRAPH", message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.subject = facts.subject;
  }
}

/**
 * Reverse-mode differentiation met an op that has no gradient rule.
 *
 * @example
 * ```ts
 * throw new MissingGradientRuleError("TopK", "topk_3");
 * ```
 */
export class MissingGradientRuleError extends ApoError {
  /** The ONNX op type without a rule, e.g. `"TopK"`. */
  readonly opType: string;
  /** The name of the node that needed it. */
  readonly node: string;

  constructor(opType: string, node: string) {
    super(
      "MISSING_GRADIENT_RULE",
      `no gradient rule for op \`${opType}\` (node \`${node}\`): add src/autodiff/rules/<op>-grad.ts and register it in src/autodiff/rules/index.ts, or stop the gradient before this node`,
    );
    this.opType = opType;
    this.node = node;
  }
}

/**
 * A gradient was asked for something the graph cannot give (loss not scalar or not found, `wrt` not an
 * initializer or input, `wrt` not a float tensor, op attribute a rule does not support).
 *
 * @example
 * ```ts
 * throw new GradientError("`wrt` value `ids` is int64; only float tensors have gradients", { subject: "ids" });
 * ```
 */
export class GradientError extends ApoError {
  /** The value or node the problem is about, when there is one. */
  readonly subject: string | undefined;

  constructor(message: string, facts: { subject?: string; cause?: unknown } = {}) {
    super("GRADIENT", message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.subject = facts.subject;
  }
}
