import { open, stat, truncate } from "node:fs/promises";
import { AppendFile } from "./append-file.js";
import type { JournalRow } from "./builder.js";
import { JournalError } from "./errors.js";
import { DEFAULT_MAX_LINE_BYTES, readLines } from "./jsonl.js";
import { KeySet } from "./key-set.js";
import type { RejectRow } from "./records.js";

/**
 * The files of a run. Output and rejects rows are the journal: a row counts as done once its line is
 * appended and synced, and a restarted run skips every id found in either file.
 *
 * @example
 * ```ts
 * const paths = journalPaths("clair.jsonl"); // rejects: clair.jsonl.rejects.jsonl, failures: clair.jsonl.failures.jsonl
 * ```
 */
export interface JournalPaths {
  readonly output: string;
  readonly rejects: string;
  /** Rows that failed this run (transient errors); rewritten by each run, retried by the next. */
  readonly failures: string;
  /** Run events (the Batch API mode keeps its batch ids here). */
  readonly events: string;
}

/**
 * The default journal paths next to `output`.
 *
 * @example
 * ```ts
 * journalPaths("out.jsonl", "bad.jsonl").rejects; // "bad.jsonl"
 * ```
 */
export function journalPaths(output: string, rejects?: string): JournalPaths {
  return {
    output,
    rejects: rejects ?? `${output}.rejects.jsonl`,
    failures: `${output}.failures.jsonl`,
    events: `${output}.journal.jsonl`,
  };
}

/**
 * Cuts a torn last line (a write interrupted by a crash or a kill) so the file ends with a newline.
 * Returns how many bytes were removed.
 *
 * @example
 * ```ts
 * await repairTail("out.jsonl"); // 0 when the file was whole
 * ```
 */
export async function repairTail(path: string): Promise<number> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return 0;
  }
  if (size === 0) return 0;
  const handle = await open(path, "r+");
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const at = chunk.subarray(0, bytesRead).lastIndexOf(10);
      if (at !== -1) {
        const keep = start + at + 1;
        if (keep < size) await handle.truncate(keep);
        return size - keep;
      }
      end = start;
    }
    await handle.truncate(0);
    return size;
  } finally {
    await handle.close();
  }
}

const ID_PREFIX = /^\{"id":"((?:[^"\\]|\\.)*)"/;

/** Streams the ids of a journal file, checking every line is a JSON object with an `id`. */
async function readIds(path: string, into: KeySet, maxLineBytes: number): Promise<void> {
  try {
    await stat(path);
  } catch {
    return;
  }
  let line = 0;
  for await (const text of readLines(path, { maxLineBytes })) {
    line += 1;
    if (text === "") continue;
    const fast = ID_PREFIX.exec(text);
    if (fast?.[1] !== undefined && text.endsWith("}")) {
      // Parsing the id yields a fresh string: a slice of `text` would keep the whole line alive.
      into.add(JSON.parse(`"${fast[1]}"`) as string);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new JournalError(path, line, "not valid JSON; remove the line to resume");
    }
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id !== "string")
      throw new JournalError(path, line, 'no string "id"; remove the line to resume');
    into.add(id);
  }
}

/**
 * Moves the records of the rejects file to `<rejects>.retried.jsonl` (appended and synced first, then the
 * rejects file is emptied), so that the run builds those rows again. Returns how many rows were moved.
 * A crash between the two steps leaves the records in both files: the archive is history, never read.
 *
 * @example
 * ```ts
 * await setRejectsAside("out.jsonl.rejects.jsonl", DEFAULT_MAX_LINE_BYTES); // 12
 * ```
 */
export async function setRejectsAside(rejects: string, maxLineBytes: number): Promise<number> {
  try {
    await stat(rejects);
  } catch {
    return 0;
  }
  const archive = await AppendFile.open(`${rejects}.retried.jsonl`, { fsync: true });
  let rows = 0;
  try {
    let batch = "";
    for await (const text of readLines(rejects, { maxLineBytes })) {
      if (text.trim() === "") continue;
      rows += 1;
      batch += `${text}\n`;
      if (batch.length >= 1 << 20) {
        await archive.append(batch);
        batch = "";
      }
    }
    if (batch !== "") await archive.append(batch);
  } finally {
    await archive.close();
  }
  await truncate(rejects, 0);
  return rows;
}

/**
 * How a journal is opened.
 *
 * @example
 * ```ts
 * const options: JournalOptions = { fsync: true, retryRejects: true };
 * ```
 */
export interface JournalOptions {
  /** Sync every append; default true. */
  readonly fsync?: boolean | undefined;
  /** Build the rejected rows again: their records are set aside first (see {@link setRejectsAside}). */
  readonly retryRejects?: boolean | undefined;
  /** The longest journal line read; default 64 MiB. */
  readonly maxLineBytes?: number | undefined;
  /** Told how many rejected rows are retried. */
  readonly onNotice?: ((message: string) => void) | undefined;
}

/**
 * A run's journal: knows which rows are done (accepted or rejected), appends new ones durably, and
 * records failures for the next run to retry.
 *
 * @example
 * ```ts
 * const journal = await Journal.open(journalPaths("out.jsonl"));
 * if (!journal.has(key)) await journal.accept(row);
 * await journal.close();
 * ```
 */
export class Journal {
  readonly paths: JournalPaths;
  readonly #done: KeySet;
  readonly #output: AppendFile;
  readonly #rejects: AppendFile;
  readonly #failures: AppendFile;

  private constructor(paths: JournalPaths, done: KeySet, files: [AppendFile, AppendFile, AppendFile]) {
    this.paths = paths;
    this.#done = done;
    [this.#output, this.#rejects, this.#failures] = files;
  }

  /**
   * Repairs torn tails, sets the rejects aside when they are retried, reads the ids already done, and
   * opens the files for appending.
   */
  static async open(paths: JournalPaths, options: JournalOptions = {}): Promise<Journal> {
    const done = new KeySet();
    const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    for (const path of [paths.output, paths.rejects]) await repairTail(path);
    if (options.retryRejects === true) {
      const moved = await setRejectsAside(paths.rejects, maxLineBytes);
      if (moved > 0)
        options.onNotice?.(
          `retrying ${moved} rejected row(s); their records moved to ${paths.rejects}.retried.jsonl`,
        );
    }
    for (const path of [paths.output, paths.rejects]) await readIds(path, done, maxLineBytes);
    const fsync = options.fsync ?? true;
    const files: [AppendFile, AppendFile, AppendFile] = [
      await AppendFile.open(paths.output, { fsync }),
      await AppendFile.open(paths.rejects, { fsync }),
      await AppendFile.open(paths.failures, { fsync: false, truncate: true }),
    ];
    return new Journal(paths, done, files);
  }

  /** How many rows are done (accepted or rejected), this run and before. */
  get doneCount(): number {
    return this.#done.size;
  }

  /** Whether the row with this key is done. */
  has(key: string): boolean {
    return this.#done.has(key);
  }

  /** Appends an accepted row (its `id` first) and marks it done once synced. */
  async accept(row: JournalRow): Promise<void> {
    await this.#output.append(`${JSON.stringify(row)}\n`);
    this.#done.add(row.id);
  }

  /** Appends a rejected row and marks it done once synced. */
  async reject(row: RejectRow): Promise<void> {
    await this.#rejects.append(`${JSON.stringify(row)}\n`);
    this.#done.add(row.id);
  }

  /** Records a failure (not done: the next run retries it). */
  async fail(entry: {
    id: string;
    line: number;
    prompt: string;
    error: string;
    code: string;
  }): Promise<void> {
    await this.#failures.append(`${JSON.stringify(entry)}\n`);
  }

  /** Flushes and closes the files. */
  async close(): Promise<void> {
    await Promise.all([this.#output.close(), this.#rejects.close(), this.#failures.close()]);
  }
}
