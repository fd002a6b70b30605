/**
 * Retry lines summarised by cause: the first retry of a cause is told at once, later ones are counted and
 * told as one line per cause per interval ("57 more retries in the last 10 s: 503 …"). A cause quiet for a
 * whole interval is forgotten, so its next retry is told at once again. An endpoint that is down makes
 * every request in flight retry: one line each was about 190 lines a minute at the default concurrency.
 *
 * @example
 * ```ts
 * const log = new RetryLog((line) => process.stderr.write(`clair: ${line}\n`));
 * log.note("503 Service Unavailable", 1, 1200);
 * log.close();
 * ```
 */
export class RetryLog {
  readonly #write: (line: string) => void;
  readonly #intervalMs: number;
  /** Retries of each cause since its last line. */
  readonly #counts = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(write: (line: string) => void, intervalMs = 10_000) {
    this.#write = write;
    this.#intervalMs = intervalMs;
  }

  /** Records a retry of `message` (already redacted): attempt number and the wait before it. */
  note(message: string, attempt: number, delayMs: number): void {
    const count = this.#counts.get(message);
    if (count !== undefined) {
      this.#counts.set(message, count + 1);
      return;
    }
    this.#counts.set(message, 0);
    this.#write(
      `retry ${attempt} in ${waitText(delayMs)}: ${message} (further retries of this cause are summed every ${waitText(this.#intervalMs)})`,
    );
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.flush(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Writes one line per cause retried since its last line; forgets the causes that were quiet. */
  flush(): void {
    for (const [message, count] of this.#counts) {
      if (count === 0) {
        this.#counts.delete(message);
        continue;
      }
      this.#write(
        `${count} more ${count === 1 ? "retry" : "retries"} in the last ${waitText(this.#intervalMs)}: ${message}`,
      );
      this.#counts.set(message, 0);
    }
    if (this.#counts.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Writes what is pending and stops the timer. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const [message, count] of this.#counts) {
      if (count > 0) this.#write(`${count} more ${count === 1 ? "retry" : "retries"}: ${message}`);
    }
    this.#counts.clear();
  }
}

function waitText(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
