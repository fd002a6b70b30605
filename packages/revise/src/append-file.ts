import { type FileHandle, open } from "node:fs/promises";

/**
 * An append-only JSONL file with group commit: lines appended while a write is under way are written
 * together by the next one, each write followed by `fdatasync` (unless `fsync` is off), and every
 * `append` resolves only once its line is on disk. One write call per batch keeps lines whole.
 *
 * @example
 * ```ts
 * const file = await AppendFile.open("out.jsonl");
 * await file.append('{"id":"L1"}\n');
 * await file.close();
 * ```
 */
export class AppendFile {
  readonly path: string;
  readonly #handle: FileHandle;
  readonly #fsync: boolean;
  #pending: { text: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #writing = false;

  private constructor(path: string, handle: FileHandle, fsync: boolean) {
    this.path = path;
    this.#handle = handle;
    this.#fsync = fsync;
  }

  /** Opens (creating if needed) `path` for appending; `truncate` empties it first. */
  static async open(
    path: string,
    options: { fsync?: boolean; truncate?: boolean } = {},
  ): Promise<AppendFile> {
    const handle = await open(path, options.truncate === true ? "w" : "a");
    return new AppendFile(path, handle, options.fsync ?? true);
  }

  /** Appends `text` (one or more whole lines) and resolves once it is written and synced. */
  append(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ text, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        let text = "";
        for (const entry of batch) text += entry.text;
        const bytes = Buffer.from(text, "utf8");
        let written = 0;
        while (written < bytes.length) {
          const { bytesWritten } = await this.#handle.write(bytes, written, bytes.length - written);
          written += bytesWritten;
        }
        if (this.#fsync) await this.#handle.datasync();
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.#writing = false;
  }

  /** Waits for pending lines, then closes the file. */
  async close(): Promise<void> {
    while (this.#writing || this.#pending.length > 0) await new Promise((resolve) => setImmediate(resolve));
    await this.#handle.close();
  }
}
