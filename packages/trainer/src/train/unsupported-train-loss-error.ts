import { ApoError } from "../errors.js";

/**
 * The loss exists in `@apo/losses` but the training loop cannot train it. No registered loss raises it any
 * more: the loop trains the unpaired losses (`kto`, `apo_zero_unpaired`) on KTO-format data since they
 * entered the training-step graph. Kept so that code catching it still compiles.
 *
 * @deprecated the training loop trains every loss kind of `@apo/losses`
 *
 * @example
 * ```ts
 * throw new UnsupportedTrainLossError("kto");
 * ```
 */
export class UnsupportedTrainLossError extends ApoError {
  /** The loss's TRL name. */
  readonly loss: string;

  constructor(loss: string) {
    super(
      "UNSUPPORTED_TRAIN_LOSS",
      `loss "${loss}" is unpaired (KTO format): the training loop trains paired losses only so far; pick a paired loss (apo_zero, apo_down, sigmoid, …) or train "${loss}" with TRL's KTOTrainer`,
    );
    this.loss = loss;
  }
}
