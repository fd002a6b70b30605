import { createReadStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { AppendFile } from "./append-file.js";
import { BatchAnswers } from "./batch-answers.js";
import { type BatchScope, batchScope } from "./batch-scope.js";
import type { JournalRow, RowContext, RowOutcome } from "./builder.js";
import { EndpointError, ReviseError } from "./errors.js";
import { journalPaths } from "./journal.js";
import { isBlank, readJsonl, readLines, validateRecord } from "./jsonl.js";
import { linkSignal } from "./linked-signal.js";
import type { OpenAIGenerator } from "./openai-generator.js";
import { acquireOutputLock } from "./output-lock.js";
import type { PreferenceRow } from "./records.js";
import { redact } from "./redact.js";
import { type RetryOptions, sleep, withRetries } from "./retry.js";
import type { GenerateRequest, Generation } from "./roles.js";
import { openJournal, type RunOptions, type RunSummary, rowKey, validateInput } from "./run-dataset.js";
import { RunTally } from "./run-tally.js";

/**
 * Options of {@link runBatch}: those of {@link runDataset} plus the generator whose requests go through
 * OpenAI's Batch API, and the polling interval.
 *
 * @example
 * ```ts
 * const options: BatchOptions<InputRow> = { builder, generator: reviser, input: "in.jsonl", output: "out.jsonl" };
 * ```
 */
export interface BatchOptions<T, R extends JournalRow = PreferenceRow> extends RunOptions<T, R> {
  readonly generator: OpenAIGenerator;
  /** Default 30 000 ms. */
  readonly pollIntervalMs?: number;
  readonly retry?: RetryOptions;
  /** Called with every batch status seen while polling. */
  readonly onStatus?: (batchId: string, status: string) => void;
}

/** A journal event of the Batch API mode. */
type BatchEvent =
  | { event: "batch-uploaded"; inputFileId: string; requests: number; at: string }
  | { event: "batch-created"; batchId: string; inputFileId: string; requests: number; at: string }
  | { event: "batch-merged"; batchId: string; at: string };

/**
 * How building a row for the batch input ended: it finished without asking the batch's model (a row
 * rejected before any request), or it asked, and that request was written to the batch input instead of
 * being sent: the row is built again in the merge, from the batch's answer.
 */
type Collected =
  | { readonly kind: "built"; readonly outcome: RowOutcome<JournalRow> }
  | { readonly kind: "deferred" };

const FINAL = new Set(["completed", "failed", "expired", "cancelled"]);

/** The journal's open batch, or an uploaded input file whose batch may or may not have been created. */
async function pendingBatch(path: string): Promise<{ batchId?: string; uploadedFileId?: string }> {
  try {
    await stat(path);
  } catch {
    return {};
  }
  const open = new Set<string>();
  let uploaded: string | undefined;
  for await (const text of readLines(path)) {
    if (isBlank(text)) continue;
    let event: BatchEvent;
    try {
      event = JSON.parse(text) as BatchEvent;
    } catch {
      continue; // a torn last event: what it announced was never recorded
    }
    if (event.event === "batch-uploaded") uploaded = event.inputFileId;
    else if (event.event === "batch-created") {
      open.add(event.batchId);
      if (uploaded === event.inputFileId) uploaded = undefined;
    } else open.delete(event.batchId);
  }
  const batchId = [...open].at(-1);
  if (batchId !== undefined) return { batchId };
  return uploaded === undefined ? {} : { uploadedFileId: uploaded };
}

function customId(key: string, call: number): string {
  return `${key}#${call}`;
}

/**
 * Runs a dataset builder through OpenAI's Batch API: every row's request is written to a JSONL file,
 * uploaded, and submitted as one batch (its id is kept in `<output>.journal.jsonl`); the batch is polled
 * until it ends, its output downloaded and each row built from its answer with the same builder, parser
 * and filters as a live run, into the same journal. A restarted run resumes the recorded batch instead of
 * paying for a new one; rows the batch failed are retried by the next run in a new batch.
 *
 * Only requests of `generator` can be batched: rows that would need another model (a missing `response`
 * with a policy endpoint) fail with `BATCH_UNSUPPORTED`.
 *
 * @example
 * ```ts
 * const reviser = createOpenAIGenerator({ baseURL: "https://api.openai.com/v1", model: "gpt-4-turbo" });
 * const builder = createClairBuilder({ reviser: createTemplateReviser(reviser) });
 * await runBatch({ builder, generator: reviser, input: "in.jsonl", output: "clair.jsonl" });
 * ```
 */
export async function runBatch<T, R extends JournalRow = PreferenceRow>(
  options: BatchOptions<T, R>,
): Promise<RunSummary> {
  const lock = await acquireOutputLock(options.output, options.onNotice);
  try {
    return await runBatchLocked(options);
  } finally {
    await lock.release();
  }
}

async function runBatchLocked<T, R extends JournalRow>(options: BatchOptions<T, R>): Promise<RunSummary> {
  const { builder, generator, input } = options;
  const started = performance.now();
  const lines = { maxLineBytes: options.maxLineBytes };
  const total = await validateInput(builder, input, lines);
  const paths = journalPaths(options.output, options.rejects);
  const journal = await openJournal(options);
  const events = await AppendFile.open(paths.events);
  const client = generator.client;
  const retry = options.retry ?? {};
  const tally = new RunTally(journal, options.prices);
  let failed = 0;
  let skipped = 0;
  let stoppedBy: RunSummary["stoppedBy"] | undefined;

  const call = async <R>(what: string, fn: (signal: AbortSignal | undefined) => Promise<R>): Promise<R> => {
    const result = await withRetries(fn, retry, options.signal);
    if (result.ok) return result.value;
    const error = result.failure.error;
    const status =
      typeof (error as { status?: unknown }).status === "number"
        ? (error as { status: number }).status
        : undefined;
    throw new EndpointError(
      generator.model,
      status,
      `${what}: ${generator.redact(error instanceof Error ? error.message : String(error))}`,
      result.failure.retryable,
      result.failure.attempts,
    );
  };

  const record = async (outcome: RowOutcome<JournalRow>) => {
    tally.account(outcome);
    await tally.record(outcome);
  };
  const build = (row: T, context: RowContext, scope: BatchScope): Promise<RowOutcome<JournalRow>> =>
    batchScope.run(scope, () => builder.build(row, context, options.signal));

  const rows = async function* () {
    for await (const { line, value } of readJsonl(input, lines)) {
      const key = rowKey(line, value);
      const id = (value as { id?: unknown }).id;
      const context: RowContext =
        typeof id === "string" || typeof id === "number" ? { key, line, inputId: id } : { key, line };
      yield {
        row: validateRecord(builder.schema, value, { file: input, line }),
        context,
        done: journal.has(key),
      };
    }
  };

  const unsupported = (): never => {
    throw new ReviseError(
      "BATCH_UNSUPPORTED",
      "Batch API mode can only batch the reviser/judge/stronger requests: give every input row its `response`",
    );
  };

  try {
    const pending = await pendingBatch(paths.events);
    let batchId = pending.batchId;
    const createBatch = async (inputFileId: string, requests: number): Promise<string> => {
      // A crash between creating the batch and recording it must not create a second one: look for a
      // batch already made from this input file before creating it.
      const recent = await call("list batches", (signal) =>
        client.batches.list({ limit: 100 }, signal === undefined ? {} : { signal }),
      );
      const found = recent.data.find(
        (existing) => existing.input_file_id === inputFileId && existing.status !== "cancelled",
      )?.id;
      const id =
        found ??
        (
          await call("create batch", (signal) =>
            client.batches.create(
              { input_file_id: inputFileId, endpoint: "/v1/chat/completions", completion_window: "24h" },
              signal === undefined ? {} : { signal },
            ),
          )
        ).id;
      const event: BatchEvent = {
        event: "batch-created",
        batchId: id,
        inputFileId,
        requests,
        at: new Date().toISOString(),
      };
      await events.append(`${JSON.stringify(event)}\n`);
      return id;
    };
    if (batchId === undefined && pending.uploadedFileId !== undefined) {
      batchId = await createBatch(pending.uploadedFileId, 0);
      skipped = journal.doneCount;
    } else if (batchId === undefined) {
      // Collect: build each row until it asks the batch generator, and record that request instead.
      const requestsPath = `${paths.output}.batch-input.jsonl`;
      const requests = await AppendFile.open(requestsPath, { fsync: false, truncate: true });
      let count = 0;
      const collect = (row: T, context: RowContext): Promise<Collected> =>
        new Promise<Collected>((resolve, reject) => {
          let calls = 0;
          const scope: BatchScope = {
            async intercept(target: object, request: GenerateRequest): Promise<Generation> {
              if (target !== generator) unsupported();
              const body = generator.body(request);
              await requests.append(
                `${JSON.stringify({ custom_id: customId(context.key, calls++), method: "POST", url: "/v1/chat/completions", body })}\n`,
              );
              count += 1;
              resolve({ kind: "deferred" });
              // The answer comes from the batch output and the merge builds the row again from it: this
              // build goes no further. Its promise never settles, and nothing holds it once the loop
              // moves on, so it is collected with the build; the first settlement wins, so whatever the
              // build does afterwards is ignored.
              return new Promise<Generation>(() => {});
            },
          };
          build(row, context, scope).then((outcome) => resolve({ kind: "built", outcome }), reject);
        });
      for await (const { row, context, done } of rows()) {
        if (done) {
          skipped += 1;
          continue;
        }
        const collected = await collect(row, context);
        if (collected.kind === "built") await record(collected.outcome);
      }
      await requests.close();
      if (count === 0) {
        await rm(requestsPath, { force: true });
      } else {
        const file = await call("upload", (signal) =>
          client.files.create(
            { file: createReadStream(requestsPath), purpose: "batch" },
            signal === undefined ? {} : { signal },
          ),
        );
        const uploaded: BatchEvent = {
          event: "batch-uploaded",
          inputFileId: file.id,
          requests: count,
          at: new Date().toISOString(),
        };
        await events.append(`${JSON.stringify(uploaded)}\n`);
        batchId = await createBatch(file.id, count);
        await rm(requestsPath, { force: true });
      }
    } else {
      skipped = journal.doneCount;
    }

    if (batchId !== undefined) {
      const id = batchId;
      let batch = await call("poll", (signal) =>
        client.batches.retrieve(id, signal === undefined ? {} : { signal }),
      );
      options.onStatus?.(id, batch.status);
      while (!FINAL.has(batch.status)) {
        if (options.stop?.aborted || options.signal?.aborted) {
          stoppedBy = options.signal?.aborted ? "aborted" : "stopped";
          break;
        }
        // Linked, not a listener per poll on the run's signals: a long batch polls thousands of times.
        const wake = linkSignal(options.signal, options.stop);
        await sleep(options.pollIntervalMs ?? 30_000, wake.signal)
          .catch(() => undefined)
          .finally(() => wake.release());
        if (options.stop?.aborted || options.signal?.aborted) continue;
        batch = await call("poll", (signal) =>
          client.batches.retrieve(id, signal === undefined ? {} : { signal }),
        );
        options.onStatus?.(id, batch.status);
      }
      if (stoppedBy === undefined) {
        // Merge: answers by custom id, then every row of the batch is built from its answer.
        const answers = new BatchAnswers();
        for (const fileId of [batch.output_file_id, batch.error_file_id]) {
          if (fileId === null || fileId === undefined) continue;
          const response = await call("download", (signal) =>
            client.files.content(fileId, signal === undefined ? {} : { signal }),
          );
          // As bytes, indexed by line: a string of the whole file could exceed V8's limit.
          await answers.add(new Uint8Array(await response.arrayBuffer()));
        }
        for await (const { row, context, done } of rows()) {
          if (done || !answers.has(customId(context.key, 0))) continue;
          let calls = 0;
          const scope: BatchScope = {
            async intercept(target: object): Promise<Generation> {
              if (target !== generator) unsupported();
              const answer = answers.get(customId(context.key, calls++));
              const status = answer?.response?.status_code;
              if (answer === undefined || answer.error || status === undefined || status >= 400) {
                const detail = answer?.error?.message ?? `status ${status ?? "missing"}`;
                throw new EndpointError(generator.model, status, `batch ${id}: ${detail}`, true);
              }
              return generator.read(answer.response?.body);
            },
          };
          try {
            await record(await build(row, context, scope));
          } catch (error) {
            if (!ReviseError.isInstance(error) || error.code === "BATCH_UNSUPPORTED") throw error;
            failed += 1;
            const message = redact(error.message);
            await journal.fail({
              id: context.key,
              line: context.line,
              prompt: builder.prompt(row),
              error: message,
              code: error.code,
            });
            options.onFailure?.(context.line, message);
          }
        }
        if (batch.status !== "completed") {
          failed += total - journal.doneCount - failed;
        }
        const merged: BatchEvent = { event: "batch-merged", batchId: id, at: new Date().toISOString() };
        await events.append(`${JSON.stringify(merged)}\n`);
      }
    }
  } finally {
    await events.close();
    await journal.close();
  }
  const elapsedMs = performance.now() - started;
  const complete = journal.doneCount === total;
  const summary: RunSummary = {
    total,
    skipped,
    accepted: tally.accepted,
    rejected: tally.rejected,
    failed,
    inFlight: 0,
    elapsedMs,
    rate: elapsedMs > 0 ? ((tally.accepted + tally.rejected) * 1000) / elapsedMs : 0,
    etaSeconds: undefined,
    usage: tally.usage,
    costUsd: tally.costUsd,
    stoppedBy: stoppedBy ?? (complete ? "complete" : "failures"),
    rejectedByReason: tally.rejectedByReason,
    output: paths.output,
    rejects: paths.rejects,
    failures: paths.failures,
  };
  options.onProgress?.(summary);
  return summary;
}
