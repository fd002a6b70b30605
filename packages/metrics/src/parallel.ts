import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import {
  type BatchRequest,
  type BatchResult,
  type MeasureConfig,
  measureBatch,
  resolveTokenizer,
  serializeTokenizer,
  type TokenizerSpec,
} from "./batch.js";
import {
  ContrastivenessAccumulator,
  type ContrastivenessOptions,
  type ContrastivenessReport,
  type PreferencePairLike,
} from "./contrastiveness.js";
import { InvalidLineError, InvalidPairError, MetricsError } from "./errors.js";
import type { JaccardOptions } from "./jaccard.js";
import { readLineBatches } from "./jsonl.js";
import type { CharacterUnit } from "./levenshtein.js";
import { pairTexts } from "./pair.js";
import type { Tokenizer } from "./tokenize.js";

export type { TokenizerSpec } from "./batch.js";

/** Options of {@link ContrastivenessPool}, {@link contrastivenessOfFile} and {@link contrastivenessParallel}. */
export interface PoolOptions extends Omit<JaccardOptions, "tokenizer"> {
  /**
   * How texts become tokens for Jaccard: `"whitespace"` (default), `"word"`, a RegExp, or
   * `{ tokenizerJson: path }` for a Hugging Face tokenizer (needs `@huggingface/tokenizers`). Worker
   * threads cannot receive functions; with `threads: 0` any {@link Tokenizer} works.
   */
  tokenizer?: TokenizerSpec | Tokenizer;
  /** What a character is for Levenshtein and lengths; code points by default. */
  unit?: CharacterUnit;
  /**
   * Worker threads. Default and most: `os.availableParallelism()` (more threads than cores only cost
   * memory: each holds its own copy of the code and tokenizer). 0 measures in the calling thread (and
   * then accepts a tokenizer function).
   */
  threads?: number;
}

/** Progress of a file, reported about every 100 ms while it is measured, and once at the end. */
export interface FileProgress {
  file: string;
  /** Bytes of the file whose lines are measured (approximately: reads are 1 MiB chunks). */
  bytesDone: number;
  totalBytes: number;
  pairs: number;
  invalid: number;
  elapsedMs: number;
}

/** Options of one file. */
export interface FileOptions {
  /** Count lines that are not preference pairs instead of stopping at the first. Default false. */
  skipInvalid?: boolean;
  /** Called as the file is read. */
  onProgress?: (progress: FileProgress) => void;
  /**
   * The longest line read, in bytes; default 64 MiB. A longer line is not held: it is an invalid line
   * (skipped with `skipInvalid`), as is a line that is not UTF-8.
   */
  maxLineBytes?: number;
}

/** A skipped line (with `skipInvalid`). */
export interface InvalidLine {
  line: number;
  reason: string;
}

/** Statistics of a JSONL file of preference pairs. */
export interface FileReport extends ContrastivenessReport {
  file: string;
  /** The first 20 invalid lines (all of them are counted in `invalid`). */
  invalidLines: InvalidLine[];
  /** Per-pair values, in file order within each batch (for plots). */
  values: { jaccard: Float64Array; levenshtein: Float64Array; lengthRatio: Float64Array };
}

const MAX_LISTED_INVALID = 20;

/**
 * Measures preference pairs on worker threads: a pool that JSONL files or iterables of pairs are fed to.
 * Lines are read in the calling thread and parsed and measured in the workers, so the work spreads over
 * every core. Close the pool when done.
 *
 * @example
 * ```ts
 * const pool = new ContrastivenessPool({ threads: 4 });
 * try {
 *   const clair = await pool.ofFile("clair.jsonl");
 *   const judge = await pool.ofFile("on-policy-judge.jsonl");
 * } finally {
 *   await pool.close();
 * }
 * ```
 */
export class ContrastivenessPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: { resolve: (worker: Worker) => void; reject: (error: Error) => void }[] = [];
  private broken: Error | undefined;
  private readonly pending = new Map<
    number,
    { resolve: (r: BatchResult) => void; reject: (e: Error) => void }
  >();
  private local: Promise<JaccardOptions & { unit: CharacterUnit }> | undefined;
  private nextId = 0;
  private closed = false;

  constructor(options: PoolOptions = {}) {
    const requested = options.threads ?? availableParallelism();
    if (!Number.isInteger(requested) || requested < 0) {
      throw new MetricsError("INVALID_OPTION", `threads must be a whole number ≥ 0, got ${requested}`);
    }
    const threads = Math.min(requested, availableParallelism());
    const tokenizer = options.tokenizer ?? "whitespace";
    if (threads === 0) {
      this.local = (
        typeof tokenizer === "object" && !(tokenizer instanceof RegExp)
          ? resolveTokenizer(serializeTokenizer(tokenizer))
          : Promise.resolve(tokenizer)
      ).then((resolved) => ({ ...measureOptions(options), tokenizer: resolved }));
      this.local.catch(() => {});
      return;
    }
    if (typeof tokenizer === "function") {
      throw new MetricsError(
        "INVALID_OPTION",
        'A tokenizer function cannot be sent to worker threads: pass a tokenizer spec ("whitespace", "word", a RegExp, { tokenizerJson }) or threads: 0.',
      );
    }
    const config: MeasureConfig = {
      tokenizer: serializeTokenizer(tokenizer),
      ...measureOptions(options),
    };
    for (let i = 0; i < threads; i++) {
      const worker = spawnWorker(config);
      worker.on("message", (result: BatchResult | { id: number; failure: string }) => {
        const entry = this.pending.get(result.id);
        this.pending.delete(result.id);
        this.release(worker);
        if (!entry) return;
        if ("failure" in result) entry.reject(new MetricsError("INVALID_OPTION", result.failure));
        else entry.resolve(result);
      });
      // A worker that dies (out of memory, a crash in a dependency) breaks the pool: what is pending or
      // waiting fails with the cause instead of waiting forever for an answer.
      worker.on("error", (error) => this.fail(error));
      worker.on("exit", (code) => {
        if (!this.closed)
          this.fail(new MetricsError("INVALID_OPTION", `A metrics worker thread exited with code ${code}.`));
      });
      worker.unref();
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** Worker threads in the pool (0: measuring in the calling thread). */
  get threads(): number {
    return this.workers.length;
  }

  /**
   * Statistics of a JSONL file, one preference pair per line (blank lines are skipped). A line that is
   * not a pair stops the run with an {@link InvalidLineError} naming the file and line, unless
   * `skipInvalid`.
   */
  async ofFile(file: string, options: FileOptions = {}): Promise<FileReport> {
    const accumulator = new ContrastivenessAccumulator();
    const invalidLines: InvalidLine[] = [];
    let firstError: InvalidLine | undefined;
    const totalBytes = statSync(file).size;
    const started = performance.now();
    let lastProgress = started;
    let bytesMeasured = 0;
    const inFlight = new Set<Promise<void>>();
    const failure: { error?: unknown } = {};
    const track = tracker(failure);
    const limit = Math.max(2, this.workers.length * 3);
    const noteInvalid = (error: InvalidLine): void => {
      if (!options.skipInvalid) {
        if (!firstError || error.line < firstError.line) firstError = error;
        return;
      }
      accumulator.invalid++;
      if (invalidLines.length < MAX_LISTED_INVALID) invalidLines.push(error);
    };
    const take = (result: BatchResult) => {
      addResult(accumulator, result);
      for (const error of result.errors) noteInvalid(error);
      if (options.onProgress) {
        const now = performance.now();
        if (now - lastProgress >= 100) {
          lastProgress = now;
          options.onProgress({
            file,
            bytesDone: Math.min(bytesMeasured, totalBytes),
            totalBytes,
            pairs: accumulator.count,
            invalid: accumulator.invalid,
            elapsedMs: now - started,
          });
        }
      }
    };
    const reading = options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes };
    for await (const batch of readLineBatches(file, reading)) {
      for (const problem of batch.unreadable) noteInvalid(problem);
      const readSoFar = batch.bytesRead;
      track(
        inFlight,
        this.measure({ id: 0, firstLine: batch.firstLine, lines: batch.lines }).then((result) => {
          if (readSoFar > bytesMeasured) bytesMeasured = readSoFar;
          take(result);
        }),
      );
      if (inFlight.size >= limit) await Promise.race(inFlight);
      if (firstError || failure.error) break;
    }
    await Promise.all(inFlight);
    if (failure.error) throw failure.error;
    if (firstError) throw new InvalidLineError(file, firstError.line, firstError.reason);
    invalidLines.sort((a, b) => a.line - b.line);
    options.onProgress?.({
      file,
      bytesDone: totalBytes,
      totalBytes,
      pairs: accumulator.count,
      invalid: accumulator.invalid,
      elapsedMs: performance.now() - started,
    });
    return { file, ...accumulator.report(), invalidLines, values: accumulator.values() };
  }

  /**
   * Statistics of pairs from any iterable or async iterable, measured on the pool's threads. The texts are
   * extracted here and sent in batches; an invalid pair throws {@link InvalidPairError} (or is counted,
   * with `skipInvalid`).
   */
  async ofPairs(
    pairs: Iterable<PreferencePairLike> | AsyncIterable<PreferencePairLike>,
    options: { skipInvalid?: boolean } = {},
  ): Promise<ContrastivenessReport> {
    const accumulator = new ContrastivenessAccumulator();
    const inFlight = new Set<Promise<void>>();
    const failure: { error?: unknown } = {};
    const track = tracker(failure);
    const limit = Math.max(2, this.workers.length * 3);
    let chosen: string[] = [];
    let rejected: string[] = [];
    let chars = 0;
    const flush = async () => {
      track(
        inFlight,
        this.measure({ id: 0, chosen, rejected }).then((result) => addResult(accumulator, result)),
      );
      chosen = [];
      rejected = [];
      chars = 0;
      if (inFlight.size >= limit) await Promise.race(inFlight);
      if (failure.error) throw failure.error;
    };
    let index = 0;
    for await (const pair of pairs) {
      let texts: [string, string];
      try {
        texts = pairTexts(pair);
      } catch (error) {
        if (!(error instanceof InvalidPairError)) throw error;
        if (!options.skipInvalid) {
          await Promise.all(inFlight);
          throw new InvalidPairError(error.field, error.reason, index);
        }
        accumulator.invalid++;
        index++;
        continue;
      }
      index++;
      chosen.push(texts[0]);
      rejected.push(texts[1]);
      chars += texts[0].length + texts[1].length;
      if (chars >= 1 << 18 || chosen.length >= 256) await flush();
    }
    if (chosen.length > 0) await flush();
    await Promise.all(inFlight);
    if (failure.error) throw failure.error;
    return accumulator.report();
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.workers.length = 0;
    this.idle.length = 0;
  }

  private async measure(request: BatchRequest): Promise<BatchResult> {
    if (this.closed) throw new MetricsError("INVALID_OPTION", "This ContrastivenessPool is closed.");
    if (this.broken) throw this.broken;
    request.id = this.nextId++;
    if (this.local) {
      const options = await this.local;
      // Yield between batches so that progress callbacks and I/O keep flowing.
      await new Promise((resolve) => setImmediate(resolve));
      return measureBatch(request, options);
    }
    const worker =
      this.idle.pop() ??
      (await new Promise<Worker>((resolve, reject) => this.waiting.push({ resolve, reject })));
    return new Promise<BatchResult>((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      worker.ref();
      worker.postMessage(request);
    });
  }

  private release(worker: Worker): void {
    worker.unref();
    const next = this.waiting.shift();
    if (next) next.resolve(worker);
    else this.idle.push(worker);
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const entry of this.pending.values()) entry.reject(this.broken);
    this.pending.clear();
    for (const entry of this.waiting) entry.reject(this.broken);
    this.waiting.length = 0;
  }
}

/**
 * Table-1 statistics of a JSONL file of preference pairs, measured on worker threads (see
 * {@link ContrastivenessPool}; `threads: 0` measures in the calling thread).
 *
 * @example
 * ```ts
 * const report = await contrastivenessOfFile("clair.jsonl", { skipInvalid: true });
 * console.log(report.count, report.jaccard.mean, report.levenshtein.median);
 * ```
 */
export async function contrastivenessOfFile(
  file: string,
  options: PoolOptions & FileOptions = {},
): Promise<FileReport> {
  const pool = new ContrastivenessPool(options);
  try {
    return await pool.ofFile(file, options);
  } finally {
    await pool.close();
  }
}

/**
 * {@link contrastiveness} on worker threads: the same report, for large iterables of pairs.
 *
 * @example
 * ```ts
 * const report = await contrastivenessParallel(readPairs(), { threads: 8 });
 * ```
 */
export async function contrastivenessParallel(
  pairs: Iterable<PreferencePairLike> | AsyncIterable<PreferencePairLike>,
  options: PoolOptions & Pick<ContrastivenessOptions, "skipInvalid"> = {},
): Promise<ContrastivenessReport> {
  const pool = new ContrastivenessPool(options);
  try {
    return await pool.ofPairs(pairs, options);
  } finally {
    await pool.close();
  }
}

/**
 * Keeps a set of tasks in flight: a task leaves the set when it settles, and the first failure is kept
 * (tasks in the set never reject, so a failure is never lost or reported twice).
 */
function tracker(failure: { error?: unknown }): (inFlight: Set<Promise<void>>, task: Promise<void>) => void {
  return (inFlight, task) => {
    const settled: Promise<void> = task.then(
      () => {
        inFlight.delete(settled);
      },
      (error: unknown) => {
        inFlight.delete(settled);
        failure.error ??= error;
      },
    );
    inFlight.add(settled);
  };
}

function addResult(accumulator: ContrastivenessAccumulator, result: BatchResult): void {
  for (let i = 0; i < result.jaccard.length; i++) {
    accumulator.addMetrics(result.jaccard[i]!, result.levenshtein[i]!, result.lengthRatio[i]!, false);
  }
  accumulator.identical += result.identical;
}

function measureOptions(options: PoolOptions): {
  multiset: boolean;
  caseSensitive: boolean;
  unit: CharacterUnit;
} {
  return {
    multiset: options.multiset === true,
    caseSensitive: options.caseSensitive !== false,
    unit: options.unit ?? "code-point",
  };
}

/**
 * Starts a worker on the built `worker.js` (or `worker.cjs`) beside this module. From the TypeScript
 * sources (tests, `tsx`), it starts a small bootstrap that registers tsx in the worker first.
 */
function spawnWorker(config: MeasureConfig): Worker {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    const require = createRequire(here);
    const tsxApi = pathToFileURL(
      join(dirname(require.resolve("tsx/package.json")), "dist/esm/api/index.mjs"),
    ).href;
    const entry = new URL("./worker.ts", here).href;
    const bootstrap = `const { register } = await import(${JSON.stringify(tsxApi)}); register(); await import(${JSON.stringify(entry)});`;
    return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), {
      workerData: config,
    });
  }
  return new Worker(new URL(here.endsWith(".cjs") ? "./worker.cjs" : "./worker.js", here), {
    workerData: config,
  });
}
