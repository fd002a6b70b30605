import { createHash } from "node:crypto";
import pLimit from "p-limit";
import type { DatasetBuilder, JournalRow, RowContext, RowOutcome } from "./builder.js";
import { EndpointError, InvalidFieldError, ReviseError } from "./errors.js";
import { Journal, journalPaths } from "./journal.js";
import { DEFAULT_MAX_LINE_BYTES, readJsonl, validateRecord } from "./jsonl.js";
import { acquireOutputLock } from "./output-lock.js";
import type { PreferenceRow, Usage } from "./records.js";
import { redact } from "./redact.js";
import { type Price, RunTally } from "./run-tally.js";

export { costOf, type Price } from "./run-tally.js";

/**
 * A budget that stops a run cleanly (no new rows start; rows in flight finish and are written).
 *
 * @example
 * ```ts
 * const budget: Budget = { maxTokens: 5_000_000, maxCostUsd: 50 };
 * ```
 */
export interface Budget {
  readonly maxTokens?: number | undefined;
  readonly maxCostUsd?: number | undefined;
}

/**
 * A progress snapshot, emitted every `progressIntervalMs` and at the end.
 *
 * @example
 * ```ts
 * const onProgress = (p: Progress) => process.stderr.write(formatProgress(p) + "\n");
 * ```
 */
export interface Progress {
  /** Input rows (non-blank lines), when known. */
  readonly total: number | undefined;
  /** Rows found done in the journal at start. */
  readonly skipped: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly failed: number;
  readonly inFlight: number;
  readonly elapsedMs: number;
  /** Rows finished per second this run. */
  readonly rate: number;
  /** Seconds left at the current rate, when the total is known. */
  readonly etaSeconds: number | undefined;
  readonly usage: Usage;
  readonly costUsd: number;
}

/** Why a run ended. */
export type StopReason = "complete" | "stopped" | "aborted" | "budget" | "failures";

/**
 * The summary of a run. `complete` means every input row is now in the output or the rejects file.
 *
 * @example
 * ```ts
 * const summary = await runDataset(options);
 * if (summary.stoppedBy !== "complete") console.error("rerun the same command to resume");
 * ```
 */
export interface RunSummary extends Progress {
  readonly stoppedBy: StopReason;
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly output: string;
  readonly rejects: string;
  readonly failures: string;
}

/**
 * Options of {@link runDataset}.
 *
 * @example
 * ```ts
 * const options: RunOptions<InputRow> = { builder, input: "in.jsonl", output: "out.jsonl", concurrency: 32 };
 * ```
 */
export interface RunOptions<T, R extends JournalRow = PreferenceRow> {
  readonly builder: DatasetBuilder<T, R>;
  readonly input: string;
  readonly output: string;
  /** Default `<output>.rejects.jsonl`. */
  readonly rejects?: string;
  /** Rows built at once; default 16. */
  readonly concurrency?: number;
  readonly budget?: Budget;
  /** Prices by model name, for the cost estimate and `budget.maxCostUsd`. */
  readonly prices?: Readonly<Record<string, Price>>;
  /** Graceful stop: no new rows start; rows in flight finish and are written. */
  readonly stop?: AbortSignal;
  /** Hard abort: requests in flight are cancelled and their rows left for the next run. */
  readonly signal?: AbortSignal;
  /** Sync every append to disk (group commit); default true. */
  readonly fsync?: boolean;
  /** Stop after this many row failures in a row (the endpoint is likely down); default 20. */
  readonly maxConsecutiveFailures?: number;
  readonly onProgress?: (progress: Progress) => void;
  /** Default 1000 ms. */
  readonly progressIntervalMs?: number;
  /** Called on each failed row, with a redacted message. */
  readonly onFailure?: (line: number, message: string) => void;
  /** Build the rows of the rejects file again (their records move to `<rejects>.retried.jsonl`). */
  readonly retryRejects?: boolean;
  /** The longest input line read, in bytes; default 64 MiB. */
  readonly maxLineBytes?: number;
  /** Told what the run does on its own: a stale lock taken over, rejects set aside for a retry. */
  readonly onNotice?: (message: string) => void;
}

/**
 * The stable key of an input row: its line and a hash of its content, so that a restarted run over the
 * same file skips exactly the rows already done, and an edited line is redone.
 *
 * ```text
 * key = "L" + line + "-" + sha256(JSON of the row)[0..16)
 * ```
 *
 * @example
 * ```ts
 * rowKey(12, { prompt: "2+2?" }); // "L12-…"
 * ```
 */
export function rowKey(line: number, value: unknown): string {
  return `L${line}-${createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16)}`;
}

/**
 * Whether an endpoint error is about this row (bad request) rather than the run's configuration; a
 * refusal for the server's configuration (`ENDPOINT_MISCONFIGURED`) stops the run instead.
 */
function isRowRefusal(error: EndpointError): boolean {
  if (error.code === "ENDPOINT_MISCONFIGURED") return false;
  return error.status === 400 || error.status === 413 || error.status === 422;
}

/**
 * Validates the whole input in one streamed pass (so a bad line fails the run before anything is paid
 * for) and counts its rows: every line is UTF-8, within the line cap, a JSON object, of the builder's
 * schema, and buildable with the builder's configuration ({@link DatasetBuilder.check}: a row without
 * `response` where no policy model can sample one).
 *
 * @throws {InputSyntaxError | InvalidFieldError | InputEncodingError | LineTooLongError} naming file, line
 * and field.
 * @example
 * ```ts
 * const rows = await validateInput(createClairBuilder({ reviser }), "in.jsonl");
 * ```
 */
export async function validateInput<T, R extends JournalRow>(
  builder: DatasetBuilder<T, R>,
  input: string,
  options: { readonly maxLineBytes?: number | undefined } = {},
): Promise<number> {
  let rows = 0;
  for await (const { line, value } of readJsonl(input, options)) {
    const row = validateRecord(builder.schema, value, { file: input, line });
    try {
      builder.prompt(row);
      builder.check?.(row, line);
    } catch (error) {
      if (error instanceof InvalidFieldError)
        throw new InvalidFieldError(error.field, error.detail, { file: input, line });
      throw error;
    }
    rows += 1;
  }
  return rows;
}

/**
 * Runs a dataset builder over a JSONL input with a journal: streamed input, `concurrency` rows at once
 * (p-limit), every finished row appended and synced before it counts, rejects with their reasons, a
 * restart (same command) that skips what is done and retries only what failed, a graceful stop and a hard
 * abort, a token or cost budget, and progress snapshots.
 *
 * The run holds `<output>.lock` throughout (see {@link acquireOutputLock}): a second run on the same output
 * fails at once, before reading its input or sending anything.
 *
 * @throws {ReviseError} for what no retry can fix: bad input (file, line and field named), an endpoint
 * refusing the credentials, the model or a request for its own configuration (`ENDPOINT_MISCONFIGURED`:
 * context too short, no tokenizer; the rows stay undone for the next run), a response over the size cap, a
 * journal that cannot be read, an output locked by another run (`OUTPUT_LOCKED`). Rows finished before are
 * kept.
 * @example
 * ```ts
 * const summary = await runDataset({ builder: createClairBuilder({ reviser, policy }), input: "prompts.jsonl", output: "clair.jsonl" });
 * console.log(summary.accepted, summary.rejectedByReason);
 * ```
 */
export async function runDataset<T, R extends JournalRow = PreferenceRow>(
  options: RunOptions<T, R>,
): Promise<RunSummary> {
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ReviseError("INVALID_OPTION", `concurrency must be a positive integer, got ${concurrency}`);
  }
  const lock = await acquireOutputLock(options.output, options.onNotice);
  try {
    return await runLocked(options, concurrency);
  } finally {
    await lock.release();
  }
}

/**
 * Opens a run's journal with the run's options (fsync, retried rejects, the line cap: the journal's is
 * never below the default, since its rows hold whole answers).
 */
export function openJournal<T, R extends JournalRow>(options: RunOptions<T, R>): Promise<Journal> {
  return Journal.open(journalPaths(options.output, options.rejects), {
    fsync: options.fsync,
    retryRejects: options.retryRejects,
    maxLineBytes: Math.max(DEFAULT_MAX_LINE_BYTES, options.maxLineBytes ?? 0),
    onNotice: options.onNotice,
  });
}

async function runLocked<T, R extends JournalRow>(
  options: RunOptions<T, R>,
  concurrency: number,
): Promise<RunSummary> {
  const { builder, input } = options;
  const lines = { maxLineBytes: options.maxLineBytes };
  const total = await validateInput(builder, input, lines);
  const paths = journalPaths(options.output, options.rejects);
  const journal = await openJournal(options);
  const limit = pLimit(concurrency);
  const started = performance.now();
  const tally = new RunTally(journal, options.prices);
  let skipped = 0;
  let failed = 0;
  let inFlight = 0;
  let consecutiveFailures = 0;
  let stoppedBy: StopReason | undefined;
  let fatal: unknown;
  let wake: (() => void) | undefined;
  const maxFailures = options.maxConsecutiveFailures ?? 20;

  const halt = (reason: StopReason): void => {
    stoppedBy ??= reason;
    wake?.();
  };
  const onStop = (): void => halt("stopped");
  const onAbort = (): void => halt("aborted");
  options.stop?.addEventListener("abort", onStop);
  options.signal?.addEventListener("abort", onAbort);
  if (options.stop?.aborted) onStop();
  if (options.signal?.aborted) onAbort();

  const snapshot = (): Progress => {
    const elapsedMs = performance.now() - started;
    const finished = tally.accepted + tally.rejected;
    const rate = elapsedMs > 0 ? (finished * 1000) / elapsedMs : 0;
    const left = total - skipped - finished;
    return {
      total,
      skipped,
      accepted: tally.accepted,
      rejected: tally.rejected,
      failed,
      inFlight,
      elapsedMs,
      rate,
      etaSeconds: rate > 0 ? Math.max(0, left) / rate : undefined,
      usage: { ...tally.usage },
      costUsd: tally.costUsd,
    };
  };
  const timer =
    options.onProgress === undefined
      ? undefined
      : setInterval(() => options.onProgress?.(snapshot()), options.progressIntervalMs ?? 1000);
  timer?.unref();

  const overBudget = (): boolean => {
    const budget = options.budget;
    if (budget === undefined) return false;
    const tokens = tally.usage.promptTokens + tally.usage.completionTokens;
    return (
      (budget.maxTokens !== undefined && tokens >= budget.maxTokens) ||
      (budget.maxCostUsd !== undefined && tally.costUsd >= budget.maxCostUsd)
    );
  };

  const account = (outcome: RowOutcome<R>): void => {
    tally.account(outcome);
    if (overBudget()) halt("budget");
  };

  const buildOne = async (row: T, context: RowContext): Promise<void> => {
    const prompt = builder.prompt(row);
    try {
      const outcome = await builder.build(row, context, options.signal);
      account(outcome);
      await tally.record(outcome);
      consecutiveFailures = 0;
    } catch (error) {
      if (options.signal?.aborted) return;
      // Given up by the graceful stop while waiting to retry: nothing was written, the next run builds it.
      if (ReviseError.isInstance(error) && error.code === "INTERRUPTED") return;
      if (error instanceof EndpointError && !error.retryable && isRowRefusal(error)) {
        const row = {
          id: context.key,
          prompt,
          reason: "request-refused" as const,
          detail: error.message,
          meta: {
            dataset: builder.kind,
            line: context.line,
            models: {},
            raw: {},
            usage: { promptTokens: 0, completionTokens: 0 },
          },
        };
        await tally.reject(row);
        return;
      }
      if (error instanceof EndpointError && error.retryable) {
        failed += 1;
        consecutiveFailures += 1;
        const message = redact(error.message);
        await journal.fail({ id: context.key, line: context.line, prompt, error: message, code: error.code });
        options.onFailure?.(context.line, message);
        if (consecutiveFailures >= maxFailures) halt("failures");
        return;
      }
      fatal ??= error;
      halt("aborted");
    }
  };

  try {
    for await (const { line, value } of readJsonl(input, lines)) {
      if (stoppedBy !== undefined) break;
      const key = rowKey(line, value);
      if (journal.has(key)) {
        skipped += 1;
        continue;
      }
      const row = validateRecord(builder.schema, value, { file: input, line });
      const id = (value as { id?: unknown }).id;
      const context: RowContext =
        typeof id === "string" || typeof id === "number" ? { key, line, inputId: id } : { key, line };
      while (inFlight >= concurrency && stoppedBy === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      if (stoppedBy !== undefined) break;
      inFlight += 1;
      void limit(() => buildOne(row, context)).finally(() => {
        inFlight -= 1;
        wake?.();
      });
    }
    while (inFlight > 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    if (timer !== undefined) clearInterval(timer);
    options.stop?.removeEventListener("abort", onStop);
    options.signal?.removeEventListener("abort", onAbort);
    await journal.close();
  }
  if (fatal !== undefined) throw fatal;
  const done = skipped + tally.accepted + tally.rejected;
  const summary: RunSummary = {
    ...snapshot(),
    stoppedBy: stoppedBy ?? (done === total && failed === 0 ? "complete" : "failures"),
    rejectedByReason: tally.rejectedByReason,
    output: paths.output,
    rejects: paths.rejects,
    failures: paths.failures,
  };
  options.onProgress?.(summary);
  return summary;
}
