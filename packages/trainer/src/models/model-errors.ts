import { ApoError } from "../errors.js";

/**
 * A weight the architecture needs is absent from the checkpoint.
 *
 * @example
 * ```ts
 * throw new MissingWeightError("model.norm.weight", "models/x");
 * ```
 */
export class MissingWeightError extends ApoError {
  readonly tensor: string;
  constructor(tensor: string, source: string) {
    super("MISSING_WEIGHT", `${source}: weight "${tensor}" is missing from the checkpoint`);
    this.tensor = tensor;
  }
}

/**
 * A checkpoint weight has the wrong shape or element type for its config.
 *
 * @example
 * ```ts
 * throw new WeightMismatchError("model.norm.weight", "shape [64]", "shape [32]", "models/x");
 * ```
 */
export class WeightMismatchError extends ApoError {
  readonly tensor: string;
  readonly expected: string;
  readonly actual: string;
  constructor(tensor: string, expected: string, actual: string, source: string) {
    super("WEIGHT_MISMATCH", `${source}: weight "${tensor}" should have ${expected} but has ${actual}`);
    this.tensor = tensor;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A batch does not fit the model: a sequence longer than the context, a token id outside the vocabulary,
 * or ragged input.
 *
 * @example
 * ```ts
 * throw new BatchError("sequence 2 has token id 600, outside the vocabulary [0, 512)");
 * ```
 */
export class BatchError extends ApoError {
  constructor(message: string) {
    super("BAD_BATCH", message);
  }
}

/**
 * A sequence is longer than the model's context (`max_position_embeddings` / `n_positions`, or a sliding
 * window).
 *
 * @example
 * ```ts
 * throw new SequenceTooLongError(600, 512);
 * ```
 */
export class SequenceTooLongError extends ApoError {
  readonly length: number;
  readonly maxLength: number;
  constructor(length: number, maxLength: number, row?: number) {
    super(
      "SEQUENCE_TOO_LONG",
      `sequence${row === undefined ? "" : ` ${row}`} has ${length} tokens but the model's context is ${maxLength}; truncate the prompt or completion`,
    );
    this.length = length;
    this.maxLength = maxLength;
  }
}
