import { bytesSource, isBlank, readLinesFrom } from "./jsonl.js";

/** One line of a Batch API output or error file. */
export interface BatchAnswer {
  readonly custom_id: string;
  readonly response?: { status_code?: number; body?: unknown } | null;
  readonly error?: { message?: string; code?: string } | null;
}

/**
 * The answers of a finished batch by `custom_id`, kept as the text of their lines and parsed when asked
 * for. A file is read line by line from its bytes ({@link readLinesFrom}), never as one string: V8 caps a
 * string near 512 MiB, and a batch of long answers can be larger (50 000 requests of 4 096 tokens).
 *
 * @example
 * ```ts
 * const answers = new BatchAnswers();
 * await answers.add(new Uint8Array(await (await client.files.content(id)).arrayBuffer()));
 * answers.get("line-3#0")?.response?.status_code; // 200
 * ```
 */
export class BatchAnswers {
  readonly #lines = new Map<string, string>();

  /** Indexes a downloaded file of JSON lines (line ends as {@link readLinesFrom}; blank lines skipped). */
  async add(bytes: Uint8Array): Promise<void> {
    for await (const text of readLinesFrom(bytesSource(bytes))) {
      if (isBlank(text)) continue;
      const id = (JSON.parse(text) as Partial<BatchAnswer>).custom_id;
      if (typeof id === "string") this.#lines.set(id, text);
    }
  }

  has(customId: string): boolean {
    return this.#lines.has(customId);
  }

  /** The answer with this `custom_id`, parsed now; `undefined` if no file had it. */
  get(customId: string): BatchAnswer | undefined {
    const text = this.#lines.get(customId);
    return text === undefined ? undefined : (JSON.parse(text) as BatchAnswer);
  }

  /** How many answers are indexed. */
  get size(): number {
    return this.#lines.size;
  }
}
