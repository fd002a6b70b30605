import { formatDuration } from "../stage-progress.js";

/** Where and how often {@link Progress} writes. */
export interface ProgressOptions {
  /** Stream to write to (default `process.stderr`); `null` is silent. */
  readonly stream?: NodeJS.WritableStream | null;
  /** Without a TTY, write one line every this many steps (default 10). */
  readonly logEvery?: number;
  /** Rewrite one live line (default: whether the stream is a TTY). */
  readonly live?: boolean;
  /**
   * Show the progress of stages over 2 s, such as the reference log-prob pass, with rate and ETA (default
   * true; `apo train --json` turns it off).
   */
  readonly stages?: boolean;
}

/** What one optimizer step reports to {@link Progress}. */
export interface StepReport {
  readonly step: number;
  readonly epoch: number;
  /** Mean of the step's micro-batch mean losses (TRL's logged `loss`). */
  readonly loss: number;
  /** Mean β·(policy − reference) of the chosen (desirable) completions: micro-batch means averaged, as TRL. */
  readonly chosenReward: number;
  readonly rejectedReward: number;
  /** Global gradient norm before clipping, of the step's (accumulated) gradient: TRL's `grad_norm`. */
  readonly gradNorm: number;
  readonly lr: number;
  /** Tokens (prompt + completion, chosen and rejected) in the step. */
  readonly tokens: number;
  /** Wall time of the optimizer step alone (evaluations and checkpoints excluded), for tokens/s. */
  readonly seconds: number;
}

const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(4)}`;

/**
 * Training progress on stderr: step, epoch, loss, mean chosen and rejected rewards, tokens/s (of step time)
 * and ETA (of wall time, evaluations included). On a
 * TTY one line is rewritten every step; otherwise a line is written every `logEvery` steps, so logs stay
 * short.
 *
 * @example
 * ```ts
 * const progress = new Progress(180, 0, { logEvery: 20 });
 * progress.step({ step: 1, epoch: 0.1, loss: 0.99, chosenReward: 0, rejectedReward: 0, gradNorm: 0.4, lr: 2e-7, tokens: 9000, seconds: 1.2 });
 * progress.note("saved out/checkpoint-10");
 * ```
 */
export class Progress {
  readonly #stream: NodeJS.WritableStream | null;
  readonly #live: boolean;
  readonly #logEvery: number;
  readonly #total: number;
  readonly #first: number;
  readonly #start = performance.now();
  #tokens = 0;
  #stepSeconds = 0;
  #pending = false;

  /**
   * @param totalSteps optimizer steps of the whole run
   * @param firstStep the step this process starts from (non-zero on resume), for the ETA
   */
  constructor(totalSteps: number, firstStep: number, options: ProgressOptions = {}) {
    this.#stream = options.stream === undefined ? process.stderr : options.stream;
    const isTty = (this.#stream as { isTTY?: boolean } | null)?.isTTY === true;
    this.#live = options.live ?? isTty;
    this.#logEvery = options.logEvery ?? 10;
    this.#total = totalSteps;
    this.#first = firstStep;
  }

  /** Report a finished optimizer step. */
  step(report: StepReport): void {
    this.#tokens += report.tokens;
    this.#stepSeconds += report.seconds;
    if (this.#stream === null) return;
    const seconds = (performance.now() - this.#start) / 1000;
    const done = report.step - this.#first;
    const eta = (seconds / Math.max(done, 1)) * (this.#total - report.step);
    const line =
      `step ${report.step}/${this.#total} epoch ${report.epoch.toFixed(2)} loss ${report.loss.toFixed(4)} ` +
      `rewards chosen ${signed(report.chosenReward)} rejected ${signed(report.rejectedReward)} ` +
      `lr ${report.lr.toExponential(2)} ${Math.round(this.tokensPerSecond)} tok/s ETA ${formatDuration(eta)}`;
    if (this.#live) {
      this.#stream.write(`\r\x1b[2K${line}`);
      this.#pending = true;
    } else if (report.step % this.#logEvery === 0 || report.step === this.#total) {
      this.#stream.write(`${line}\n`);
    }
  }

  /** A line of its own (evaluation results, checkpoints, warnings). */
  note(text: string): void {
    if (this.#stream === null) return;
    this.#stream.write(`${this.#pending ? "\n" : ""}${text}\n`);
    this.#pending = false;
  }

  /** Training tokens per second of optimizer-step time in this process. */
  get tokensPerSecond(): number {
    return this.#stepSeconds === 0 ? 0 : this.#tokens / this.#stepSeconds;
  }

  /** End the live line. */
  close(): void {
    if (this.#pending && this.#stream !== null) this.#stream.write("\n");
    this.#pending = false;
  }
}
