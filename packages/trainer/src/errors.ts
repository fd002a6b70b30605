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
 *   buildGradient(graph, { loss: "loss", wrt: ["w"] });
 * } catch (error) {
 *   if (error instanceof ApoError && error.code === "MISSING_GRADIENT_RULE") console.error(error.message);
 * }
 * ```
 */
export class ApoError extends Error {
  /** Stable, machine-readable error code (SCREAMING_SNAKE_CASE). */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
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
