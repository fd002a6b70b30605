import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { ResponseTooLargeError } from "./errors.js";

/** The `fetch` signature the `openai` client accepts. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  return new DOMException("This operation was aborted", "AbortError");
}

function headerObject(headers: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined || headers === null) return out;
  // The `openai` client passes a `Headers`: read it as it is rather than copying it into another one.
  const source = headers instanceof Headers ? headers : new Headers(headers);
  source.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** Read-only response headers over Node's parsed headers (the part of `Headers` the client reads). */
class ResponseHeaders {
  readonly #map: Map<string, string>;

  constructor(res: IncomingMessage) {
    this.#map = new Map();
    const raw = res.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = (raw[i] ?? "").toLowerCase();
      const value = raw[i + 1] ?? "";
      const seen = this.#map.get(name);
      this.#map.set(name, seen === undefined ? value : `${seen}, ${value}`);
    }
  }
  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }
  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.#map) callback(value, name);
  }
  entries(): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
  keys(): IterableIterator<string> {
    return this.#map.keys();
  }
  values(): IterableIterator<string> {
    return this.#map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
}

/**
 * A fully received response: what the `openai` client reads of a `Response` (status, headers, `json()`,
 * `text()`), without the stream machinery a `Response` builds for every body.
 */
class BufferedResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly url: string;
  readonly redirected = false;
  readonly type = "basic";
  readonly headers: ResponseHeaders;
  readonly body = null;
  bodyUsed = false;
  readonly #bytes: Buffer;

  constructor(url: string, res: IncomingMessage, bytes: Buffer) {
    this.url = url;
    this.status = res.statusCode ?? 500;
    this.statusText = res.statusMessage ?? "";
    this.ok = this.status >= 200 && this.status < 300;
    this.headers = new ResponseHeaders(res);
    this.#bytes = bytes;
  }
  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.#bytes.toString("utf8");
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    return new Uint8Array(this.#bytes).buffer;
  }
  async blob(): Promise<Blob> {
    return new Blob([new Uint8Array(this.#bytes)], { type: this.headers.get("content-type") ?? "" });
  }
  clone(): BufferedResponse {
    return this;
  }
}

/**
 * An error body as OpenAI shapes it (`{"error": {"message": …}}`). vLLM before 0.10 and some other servers
 * answer `{"object": "error", "message": …, "type": …, "code": …}`, whose message the `openai` client does
 * not find ("400 status code (no body)"): such a body is wrapped, so the server's reason reaches the user.
 */
function openAIErrorBody(bytes: Buffer): Buffer {
  if (bytes.length > 1 << 20) return bytes;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return bytes;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value) || "error" in value) return bytes;
  if (typeof (value as { message?: unknown }).message !== "string") return bytes;
  return Buffer.from(JSON.stringify({ error: value }));
}

/**
 * Another `fetch` whose error bodies are shaped as OpenAI's (see {@link openAIErrorBody}), so that the
 * server's reason reaches the user whichever fetch the client uses.
 *
 * @example
 * ```ts
 * const client = new OpenAI({ apiKey, baseURL, fetch: withOpenAIErrorBodies(globalThis.fetch) });
 * ```
 */
export function withOpenAIErrorBodies(fetch: FetchLike): FetchLike {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (response.status < 400) return response;
    const bytes = Buffer.from(await response.arrayBuffer());
    return new Response(new Uint8Array(openAIErrorBody(bytes)), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/**
 * Options of {@link createHttpFetch}.
 *
 * @example
 * ```ts
 * const options: HttpFetchOptions = { maxSockets: 64, maxResponseBytes: 16 * 2 ** 20 };
 * ```
 */
export interface HttpFetchOptions {
  /** Sockets per origin; default 256. */
  readonly maxSockets?: number | undefined;
  /**
   * The largest response body taken, in bytes; past it the request is aborted and the fetch rejects with a
   * {@link ResponseTooLargeError} (a declared `content-length` over it is refused before any byte is read).
   * Default: no cap.
   */
  readonly maxResponseBytes?: number | undefined;
}

/**
 * A small `fetch` over `node:http`/`node:https` with keep-alive agents, for the `openai` client's JSON
 * requests. Node's built-in fetch streams every body through WHATWG streams, which costs more per request
 * than a local model server answering instantly; this one buffers the (small) JSON bodies and answers
 * with a light `Response` look-alike (status, headers, `text()`, `json()`; `body` is null, so it is not
 * for streaming).
 * Requests it cannot handle (streamed or form bodies) go to the global `fetch`. Aborts reject with an
 * `AbortError`, and a body cut short rejects with a `TypeError`, as `fetch` does. With `maxResponseBytes`,
 * a body over the cap is never held: the request is aborted as the cap is passed.
 *
 * @example
 * ```ts
 * const client = new OpenAI({ apiKey, baseURL, fetch: createHttpFetch({ maxSockets: 64 }) });
 * ```
 */
export function createHttpFetch(options: HttpFetchOptions = {}): FetchLike {
  const maxSockets = options.maxSockets ?? 256;
  const maxResponseBytes = options.maxResponseBytes ?? Number.POSITIVE_INFINITY;
  const agents = {
    "http:": new HttpAgent({ keepAlive: true, maxSockets }),
    "https:": new HttpsAgent({ keepAlive: true, maxSockets }),
  };
  return (input, init = {}) => {
    const body = init.body;
    const simple =
      body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
    if (!simple || input instanceof Request) return globalThis.fetch(input, init);
    const url = input instanceof URL ? input : new URL(input);
    const signal = init.signal ?? undefined;
    const protocol = url.protocol === "https:" ? "https:" : "http:";
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const send = protocol === "https:" ? httpsRequest : httpRequest;
      const req = send(url, {
        method: init.method ?? "GET",
        headers: headerObject(init.headers),
        agent: agents[protocol],
      });
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        req.destroy();
        reject(error);
      };
      const onAbort = (): void => fail(abortError(signal as AbortSignal));
      signal?.addEventListener("abort", onAbort, { once: true });
      req.on("error", (error) => fail(new TypeError("fetch failed", { cause: error })));
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        const tooLarge = (): void => fail(new ResponseTooLargeError(maxResponseBytes, url.href));
        const declared = Number(res.headers["content-length"]);
        if (Number.isFinite(declared) && declared > maxResponseBytes) {
          tooLarge();
          return;
        }
        let received = 0;
        res.on("data", (chunk: Buffer) => {
          if (settled) return;
          received += chunk.length;
          if (received > maxResponseBytes) tooLarge();
          else chunks.push(chunk);
        });
        res.on("error", (error) => fail(new TypeError("terminated", { cause: error })));
        res.on("aborted", () => fail(new TypeError("terminated: the response body was cut short")));
        res.on("end", () => {
          if (settled) return;
          if (!res.complete) {
            fail(new TypeError("terminated: the response body was cut short"));
            return;
          }
          settled = true;
          signal?.removeEventListener("abort", onAbort);
          const whole = chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks);
          const bytes = (res.statusCode ?? 500) >= 400 ? openAIErrorBody(whole) : whole;
          const response = new BufferedResponse(url.href, res, bytes);
          resolve(response as unknown as Response);
        });
      });
      req.end(body ?? undefined);
    });
  };
}
