import { ApoError } from "../errors.js";

/**
 * The loss exists in `@apo/losses` but the training loop cannot train it yet: the unpaired losses (`kto`,
 * `apo_zero_unpaired`) need KTO-format data and a mismatched-completion KL estimate that the training-step
 * graph does not have. Train them with TRL for now (see docs/training.md).
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
