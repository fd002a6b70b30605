/** A unit of work the {@link BatchScheduler} runs in a batch with others. */
interface Pending<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Queues items from concurrent callers and runs them in batches, one batch at a time: the first item
 * waits `windowMs` for company, then up to `maxBatch` queued items run together; items that arrive
 * meanwhile form the next batch.
 *
 * @example
 * ```ts
 * const scheduler = new BatchScheduler<Row>((rows) => decodeBatch(session, rows, { padId: 0 }), { maxBatch: 8 });
 * await Promise.all([scheduler.run([a]), scheduler.run([b, c])]); // one batch of three
 * ```
 */
export class BatchScheduler<T> {
  readonly #runBatch: (items: T[]) => Promise<void>;
  readonly #maxBatch: number;
  readonly #windowMs: number;
  readonly #queue: Pending<T>[] = [];
  #running = false;
  #batches = 0;

  constructor(
    runBatch: (items: T[]) => Promise<void>,
    options: { maxBatch?: number; windowMs?: number } = {},
  ) {
    this.#runBatch = runBatch;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 16);
    this.#windowMs = options.windowMs ?? 2;
  }

  /** Items waiting for a batch. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Batches run so far. */
  get batches(): number {
    return this.#batches;
  }

  /** Queue items; resolves when every one of them has run. */
  run(items: readonly T[]): Promise<void> {
    const done = items.map(
      (item) => new Promise<void>((resolve, reject) => this.#queue.push({ item, resolve, reject })),
    );
    void this.#pump();
    return Promise.all(done).then(() => undefined);
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await new Promise((resolve) => setTimeout(resolve, this.#windowMs));
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        this.#batches++;
        try {
          await this.#runBatch(batch.map((p) => p.item));
          for (const p of batch) p.resolve();
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
