import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface, type Interface } from "node:readline";

/**
 * A Python worker of the peer benches (`peer_torch.py`, `peer_generate.py`), spoken to in JSON lines over
 * stdin/stdout: one request at a time; an answer with `error`, or the worker exiting, fails the pending
 * request. Its stderr goes to ours.
 *
 * @example
 * ```ts
 * const worker = new JsonLinesWorker("python3", "peer_generate.py", ["--threads", "2"]);
 * const loaded = await worker.request<{ ms: number }>({ cmd: "load", model: dir });
 * await worker.close();
 * ```
 */
export class JsonLinesWorker {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: Interface;
  #pending: { resolve: (line: string) => void; reject: (e: Error) => void } | null = null;
  #exited: Error | null = null;

  constructor(python: string, script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
    this.#child = spawn(python, [script, ...args], { stdio: "pipe", env });
    this.#lines = createInterface({ input: this.#child.stdout });
    this.#lines.on("line", (line) => {
      const pending = this.#pending;
      this.#pending = null;
      pending?.resolve(line);
    });
    this.#child.stderr.pipe(process.stderr);
    const fail = (e: Error) => {
      this.#exited = e;
      const pending = this.#pending;
      this.#pending = null;
      pending?.reject(e);
    };
    this.#child.on("error", (e) =>
      fail(new Error(`could not start the PyTorch worker: ${e.message} (set PEER_PYTHON)`, { cause: e })),
    );
    this.#child.on("exit", (code, signal) =>
      fail(new Error(`the PyTorch worker exited (code ${code}, signal ${signal})`)),
    );
  }

  /** Sends one request and resolves with the worker's answer line, parsed. */
  async request<T>(request: Record<string, unknown>): Promise<T> {
    if (this.#exited !== null) throw this.#exited;
    if (this.#pending !== null) throw new Error("one PyTorch worker request at a time");
    const line = await new Promise<string>((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#child.stdin.write(`${JSON.stringify(request)}\n`);
    });
    const answer = JSON.parse(line) as T & { error?: string };
    if (answer.error !== undefined)
      throw new Error(`PyTorch worker, ${String(request.cmd)}: ${answer.error}`);
    return answer;
  }

  /** Asks the worker to exit and waits for it. */
  async close(): Promise<void> {
    if (this.#exited !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.stdin.end(`${JSON.stringify({ cmd: "exit" })}\n`);
    await exited;
    this.#lines.close();
  }
}
