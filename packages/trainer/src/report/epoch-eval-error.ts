import { ApoError } from "../errors.js";

/**
 * Scoring one epoch's checkpoint failed (`apo train --eval-each-epoch`): the command exited non-zero, was
 * killed, or reported no score a reader understands; or a scorer function threw. The message names the
 * epoch, the checkpoint, the command and its exit code, with the tail of its stderr. The checkpoint is kept:
 * `apo train --resume` scores the epochs not yet scored before it trains on.
 *
 * @example
 * ```ts
 * throw new EpochEvalError("epoch 2 (runs/a/checkpoint-6): `node score.mjs` exited with code 3", {
 *   epoch: 2, checkpoint: "runs/a/checkpoint-6", command: "node score.mjs", exitCode: 3, stderrTail: "boom",
 * });
 * ```
 */
export class EpochEvalError extends ApoError {
  /** The epoch being scored (0: the starting model). */
  readonly epoch: number;
  /** The checkpoint folder scored (the starting model's folder for epoch 0). */
  readonly checkpoint: string;
  /** The shell command, as given (null for a scorer function). */
  readonly command: string | null;
  /** The command's exit code (null when a signal killed it, or for a function). */
  readonly exitCode: number | null;
  /** The last lines of the command's stderr ("" when it wrote none). */
  readonly stderrTail: string;

  constructor(
    message: string,
    facts: {
      epoch: number;
      checkpoint: string;
      command?: string | null;
      exitCode?: number | null;
      stderrTail?: string;
      cause?: unknown;
    },
  ) {
    super("EPOCH_EVAL", message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.epoch = facts.epoch;
    this.checkpoint = facts.checkpoint;
    this.command = facts.command ?? null;
    this.exitCode = facts.exitCode ?? null;
    this.stderrTail = facts.stderrTail ?? "";
  }
}
