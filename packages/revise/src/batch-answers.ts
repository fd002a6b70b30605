/** One line of a Batch API output or error file. */
export interface BatchAnswer {
  readonly custom_id: string;
  readonly response?: { status_code?: number; body?: unknown } | null;
  readonly error?: { message?: string; code?: string } | null;
}

const LF = 10;
const CR = 13;
const decoder = new TextDecoder();

/**
 * The answers of a finished batch by `custom_id`, kept as the downloaded bytes and an index of where each
 * line is; a line is parsed when it is asked for. No string of a whole file is ever made: V8 caps a
 * string near 512 MiB, and a batch of long answers can be larger (50 000 requests of 4 096 tokens).
 *
 * @example
 * ```ts
 * const answers = new BatchAnswers();
 * answers.add(new Uint8Array(await (await client.files.content(id)).arrayBuffer()));
 * answers.get("line-3#0")?.response?.status_code; // 200
 * ```
 */
export class BatchAnswers {
  readonly #files: Uint8Array[] = [];
  readonly #where = new Map<string, { file: number; start: number; end: number }>();

  /** Indexes a downloaded file (JSON lines; `\n` or `\r\n` ends, blank lines skipped). */
  add(bytes: Uint8Array): void {
    const file = this.#files.push(bytes) - 1;
    let start = 0;
    while (start < bytes.length) {
      let next = bytes.indexOf(LF, start);
      if (next === -1) next = bytes.length;
      let end = next;
      if (end > start && bytes[end - 1] === CR) end -= 1;
      const text = decoder.decode(bytes.subarray(start, end));
      if (text.trim() !== "") {
        const id = (JSON.parse(text) as Partial<BatchAnswer>).custom_id;
        if (typeof id === "string") this.#where.set(id, { file, start, end });
      }
      start = next + 1;
    }
  }

  has(customId: string): boolean {
    return this.#where.has(customId);
  }

  /** The answer with this `custom_id`, parsed now; `undefined` if no file had it. */
  get(customId: string): BatchAnswer | undefined {
    const at = this.#where.get(customId);
    if (at === undefined) return undefined;
    const bytes = this.#files[at.file] as Uint8Array;
    return JSON.parse(decoder.decode(bytes.subarray(at.start, at.end))) as BatchAnswer;
  }

  /** How many answers are indexed. */
  get size(): number {
    return this.#where.size;
  }
}
