import { fileURLToPath } from "node:url";
import { JsonLinesWorker } from "./json-lines-worker.js";

/** What `peer_torch.py` answers to `load`. */
export interface PeerLoaded {
  readonly ms: number;
  readonly params: number;
  readonly torch: string;
  readonly transformers: string;
  readonly threads: number;
  /** Parameters the optimizer updates: all, or with an adapter only its A and B. */
  readonly trainable: number;
}

/** What it answers to `forward`: its time and the rows' summed completion log-probs. */
export interface PeerForward {
  readonly ms: number;
  readonly logp: number[];
}

/** What it answers to `step`: its time, the mean loss, the pre-clipping gradient norm, the policy log-probs. */
export interface PeerStep {
  readonly ms: number;
  readonly loss: number;
  readonly grad_norm: number;
  readonly logp: number[];
}

/**
 * The PyTorch worker of `pnpm bench:peer` (`peer_torch.py`), spoken to in JSON lines over stdin/stdout. One
 * request at a time; a worker that answers `{ error }` or exits fails the pending request.
 *
 * @example
 * ```ts
 * const torch = PeerWorker.start("python3", 2);
 * await torch.load({ model: dir, rows: join(dir, "rows.json") });
 * const { ms, logp } = await torch.forward();
 * await torch.close();
 * ```
 */
export class PeerWorker {
  readonly #worker: JsonLinesWorker;

  private constructor(worker: JsonLinesWorker) {
    this.#worker = worker;
  }

  /** Starts `python peer_torch.py --threads N`. */
  static start(python: string, threads: number): PeerWorker {
    const script = fileURLToPath(new URL("./peer_torch.py", import.meta.url));
    return new PeerWorker(new JsonLinesWorker(python, script, ["--threads", String(threads)]));
  }

  #request<T>(request: Record<string, unknown>): Promise<T> {
    return this.#worker.request<T>(request);
  }

  /**
   * Loads the model folder and the packed rows (JSON: input_ids, attention_mask, completion_mask); with
   * `adapter`, the PEFT adapter on top (forward then runs with it disabled, step trains it alone).
   */
  load(options: {
    model: string;
    rows: string;
    lr?: number;
    beta?: number;
    maxGradNorm?: number;
    /** A PEFT adapter folder: wrap the model with `PeftModel.from_pretrained` and train the adapter only. */
    adapter?: string;
  }): Promise<PeerLoaded> {
    return this.#request({
      cmd: "load",
      model: options.model,
      rows: options.rows,
      lr: options.lr ?? 1e-6,
      beta: options.beta ?? 0.1,
      max_grad_norm: options.maxGradNorm ?? 1,
      ...(options.adapter === undefined ? {} : { adapter: options.adapter }),
    });
  }

  /** Forward log-probs of the rows (the first call's become the reference of every step). */
  forward(): Promise<PeerForward> {
    return this.#request({ cmd: "forward" });
  }

  /** One APO-zero + clipping + RMSprop step on the rows. */
  step(): Promise<PeerStep> {
    return this.#request({ cmd: "step" });
  }

  /** The worker's peak RSS so far, in MiB. */
  async maxRssMiB(): Promise<number> {
    return (await this.#request<{ max_rss_mib: number }>({ cmd: "rss" })).max_rss_mib;
  }

  /** Asks the worker to exit and waits for it. */
  close(): Promise<void> {
    return this.#worker.close();
  }
}
