/** Where and how {@link StageProgress} writes. */
export interface StageProgressOptions {
  /** Stream to write to (default `process.stderr`); `null` is silent. */
  readonly stream?: NodeJS.WritableStream | null | undefined;
  /** Rewrite one live line (default: whether the stream is a TTY); otherwise write periodic lines. */
  readonly live?: boolean | undefined;
  /** Say nothing for stages shorter than this (default 2000 ms). */
  readonly afterMs?: number;
  /** Without a live line, write one line every this many milliseconds (default 30000). */
  readonly everyMs?: number;
  /** Milliseconds since some origin (default `performance.now`); tests pass their own. */
  readonly clock?: () => number;
}

/** What a stage counts: how many units in all (null when unknown) and what one is called. */
export interface StageSize {
  readonly total: number | null;
  /** Plural noun of the unit: `pairs`, `rows`, `tokens`. */
  readonly unit: string;
  /** `total` is a bound, not a count (generation may stop early): the ETA reads "ETA ≤ …". */
  readonly upperBound?: boolean;
}

/**
 * A duration as people read it: `42s`, `3m07s`, `2h05m`; `?` when not finite.
 *
 * @example
 * ```ts
 * formatDuration(187); // "3m07s"
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function formatRate(perSecond: number): string {
  if (perSecond >= 100) return String(Math.round(perSecond));
  return perSecond.toFixed(perSecond >= 10 ? 1 : 2);
}

/** Rewrite the live line at most this often, so a fast loop does not flood the terminal. */
const LIVE_EVERY_MS = 250;

/**
 * Progress of one long stage (the reference log-prob pass, `apo logprobs`, an export, a generation) on
 * stderr: done of total, rate and ETA. A stage shorter than 2 s prints nothing. On a TTY one line is
 * rewritten as work is done; otherwise a line is written once the stage passes 2 s and then every 30 s,
 * so logs stay short. {@link StageProgress.done} writes the totals when anything was shown.
 *
 * @example
 * ```ts
 * const progress = new StageProgress("reference log-probs", { total: pairs.length, unit: "pairs" });
 * for (const batch of batches) { await run(batch); progress.advance(batch.length); }
 * progress.done(); // "reference log-probs: 1000 pairs in 27s (37.0 pairs/s)"
 * ```
 */
export class StageProgress {
  readonly #label: string;
  readonly #size: StageSize;
  readonly #stream: NodeJS.WritableStream | null;
  readonly #live: boolean;
  readonly #afterMs: number;
  readonly #everyMs: number;
  readonly #clock: () => number;
  readonly #start: number;
  #done = 0;
  /** When the last line was written (null: nothing yet). */
  #shownAt: number | null = null;
  #pending = false;
  #closed = false;

  constructor(label: string, size: StageSize, options: StageProgressOptions = {}) {
    this.#label = label;
    this.#size = size;
    this.#stream = options.stream === undefined ? process.stderr : options.stream;
    const isTty = (this.#stream as { isTTY?: boolean } | null)?.isTTY === true;
    this.#live = options.live ?? isTty;
    this.#afterMs = options.afterMs ?? 2000;
    this.#everyMs = options.everyMs ?? 30_000;
    this.#clock = options.clock ?? (() => performance.now());
    this.#start = this.#clock();
  }

  /** Units done so far. */
  get count(): number {
    return this.#done;
  }

  /** Record `units` more done, and write a line when one is due. */
  advance(units = 1): void {
    this.#done += units;
    if (this.#stream === null || this.#closed) return;
    const now = this.#clock();
    const elapsed = now - this.#start;
    if (elapsed < this.#afterMs) return;
    const since = this.#shownAt === null ? Number.POSITIVE_INFINITY : now - this.#shownAt;
    if (since < (this.#live ? LIVE_EVERY_MS : this.#everyMs)) return;
    this.#shownAt = now;
    this.#write(this.#line(elapsed / 1000));
  }

  /** End the stage: when a line was shown, write the totals (count, time, rate) in its place. */
  done(): void {
    if (this.#stream === null || this.#closed) return;
    if (this.#shownAt !== null) {
      const seconds = (this.#clock() - this.#start) / 1000;
      const rate = seconds > 0 ? ` (${formatRate(this.#done / seconds)} ${this.#size.unit}/s)` : "";
      this.#write(`${this.#label}: ${this.#done} ${this.#size.unit} in ${formatDuration(seconds)}${rate}`);
    }
    this.close();
  }

  /** End the live line without totals (after an error, so its message starts on a line of its own). */
  close(): void {
    if (this.#pending && this.#stream !== null) this.#stream.write("\n");
    this.#pending = false;
    this.#closed = true;
  }

  #line(seconds: number): string {
    const { total, unit } = this.#size;
    const rate = this.#done / Math.max(seconds, 1e-9);
    const parts = [
      total === null
        ? `${this.#done} ${unit}`
        : `${this.#done}/${total} ${unit} (${Math.floor((100 * this.#done) / Math.max(total, 1))}%)`,
      `${formatRate(rate)} ${unit}/s`,
    ];
    if (total !== null) {
      const eta = rate > 0 ? Math.max(total - this.#done, 0) / rate : Number.POSITIVE_INFINITY;
      parts.push(`ETA ${this.#size.upperBound === true ? "≤ " : ""}${formatDuration(eta)}`);
    }
    return `${this.#label}: ${parts.join(" · ")}`;
  }

  #write(line: string): void {
    const stream = this.#stream as NodeJS.WritableStream;
    if (this.#live) {
      stream.write(`\r\x1b[2K${line}`);
      this.#pending = true;
    } else {
      stream.write(`${line}\n`);
    }
  }
}
