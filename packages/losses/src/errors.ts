/** Stable machine-readable codes of every error @apo/losses throws. */
export type LossErrorCode =
  | "LENGTH_MISMATCH"
  | "NON_FINITE_INPUT"
  | "INVALID_PARAMETER"
  | "INVALID_LENGTH"
  | "MISSING_INPUT"
  | "NUMERICAL_OVERFLOW"
  | "UNKNOWN_LOSS"
  | "EMPTY_BATCH"
  | "OUT_OF_DOMAIN";

/**
 * Marks every LossError. `Symbol.for` returns one symbol per realm whichever copy of @apo/losses created the
 * error, so `isInstance` holds where `instanceof` fails (two installed versions, a bundled copy).
 */
const MARKER = Symbol.for("@apo/losses.error");

/**
 * Base class of every error thrown by @apo/losses; `code` is stable across versions.
 * @example
 * ```ts
 * try {
 *   computeLoss(name, batch);
 * } catch (error) {
 *   if (LossError.isInstance(error) && error.code === "UNKNOWN_LOSS") console.error(error.message);
 *   else throw error;
 * }
 * ```
 */
export class LossError extends Error {
  readonly [MARKER] = true;
  readonly code: LossErrorCode;
  constructor(code: LossErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * Whether `value` is an error of @apo/losses, from this copy of the package or any other. Subclasses inherit
   * this check unchanged (it answers "any LossError"); tell the kinds apart by `code`.
   */
  static isInstance(value: unknown): value is LossError {
    return typeof value === "object" && value !== null && MARKER in value;
  }
}

/** Two input arrays that must have one entry per example have different lengths. */
export class LossLengthMismatchError extends LossError {
  readonly field: string;
  readonly expected: number;
  readonly actual: number;
  constructor(field: string, expected: number, actual: number, against: string) {
    super(
      "LENGTH_MISMATCH",
      `${field} has ${actual} entries but ${against} has ${expected}: every input array needs one entry per example`,
    );
    this.field = field;
    this.expected = expected;
    this.actual = actual;
  }
}

/** An input value is NaN or ±Infinity. */
export class LossNonFiniteInputError extends LossError {
  readonly field: string;
  readonly index: number;
  readonly value: number;
  constructor(field: string, index: number, value: number) {
    super("NON_FINITE_INPUT", `${field}[${index}] is ${value}; log-probabilities must be finite numbers`);
    this.field = field;
    this.index = index;
    this.value = value;
  }
}

/** A loss parameter (β, ε, τ, …) is outside its valid range. */
export class LossParameterError extends LossError {
  readonly parameter: string;
  readonly value: unknown;
  readonly expected: string;
  constructor(loss: string, parameter: string, value: unknown, expected: string) {
    super(
      "INVALID_PARAMETER",
      `${loss}: parameter ${parameter} = ${String(value)} is invalid; expected ${expected}`,
    );
    this.parameter = parameter;
    this.value = value;
    this.expected = expected;
  }
}

/** A completion token count is missing, zero or negative where a length-normalised loss needs it. */
export class LossInvalidLengthError extends LossError {
  readonly field: string;
  readonly index: number;
  readonly value: number | undefined;
  constructor(loss: string, field: string, index: number, value: number | undefined) {
    super(
      value === undefined ? "MISSING_INPUT" : "INVALID_LENGTH",
      value === undefined
        ? `${loss} is length-normalised: pass ${field} (completion token counts)`
        : `${loss}: ${field}[${index}] = ${value}; completion token counts must be ≥ 1 (an empty completion has no log-probability: drop the row)`,
    );
    this.field = field;
    this.index = index;
    this.value = value;
  }
}

/** An input that this loss needs was not given. */
export class LossMissingInputError extends LossError {
  readonly field: string;
  constructor(loss: string, field: string, hint: string) {
    super("MISSING_INPUT", `${loss} needs ${field}: ${hint}`);
    this.field = field;
  }
}

/** The inputs are finite but so large that the loss or a gradient overflowed. */
export class LossOverflowError extends LossError {
  readonly index: number;
  readonly output: string;
  constructor(loss: string, output: string, index: number, value: number) {
    super(
      "NUMERICAL_OVERFLOW",
      `${loss}: ${output}[${index}] is ${value}; the inputs at index ${index} are too large for float64 arithmetic`,
    );
    this.index = index;
    this.output = output;
  }
}

/** `computeLoss` was asked for a name that is not in the registry. */
export class UnknownLossError extends LossError {
  readonly lossName: string;
  constructor(name: string, known: readonly string[]) {
    super("UNKNOWN_LOSS", `unknown loss "${name}"; known losses: ${known.join(", ")}`);
    this.lossName = name;
  }
}

/** A batch with no examples: its mean loss is undefined. */
export class LossEmptyBatchError extends LossError {
  constructor(loss: string) {
    super("EMPTY_BATCH", `${loss}: the batch is empty; pass at least one example`);
  }
}

/** An input is finite but outside the loss's domain (e.g. a log-probability ≥ 0 for ORPO). */
export class LossDomainError extends LossError {
  readonly field: string;
  readonly index: number;
  readonly value: number;
  constructor(loss: string, field: string, index: number, value: number, expected: string) {
    super("OUT_OF_DOMAIN", `${loss}: ${field}[${index}] = ${value}; expected ${expected}`);
    this.field = field;
    this.index = index;
    this.value = value;
  }
}
