import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Generator } from "../generate/generator.js";
import { answerChat, httpErrorOf, sendJson } from "./chat-completion.js";
import { HttpError } from "./openai-error.js";
import { parseChatRequest } from "./parse-chat-request.js";

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** The model to serve (a {@link LocalGenerator}, a {@link TransformersGenerator}, …). */
  readonly generator: Generator;
  /** Interface to bind (default `127.0.0.1`: loopback only). */
  readonly host?: string;
  /** Port (default 0: a free port; read it from the result). */
  readonly port?: number;
  /** When set, requests must send `Authorization: Bearer <apiKey>`. */
  readonly apiKey?: string;
  /**
   * Largest request body in bytes (default: 6 bytes per character of `maxPromptChars` plus 64 KiB, at
   * most 4 MiB; 4 MiB when the generator's context is unknown). Larger bodies get 413 before they are read
   * whole.
   */
  readonly maxBodyBytes?: number;
  /**
   * Most characters of message text (contents and roles) one request may send (default
   * {@link PROMPT_CHARS_PER_TOKEN} per token of the generator's `contextLength`; no limit when it is
   * unknown). Longer requests get 400 `context_length_exceeded` without being tokenised, so a huge prompt
   * cannot hold up the event loop (and `/health`) while it is tokenised only to be refused.
   */
  readonly maxPromptChars?: number;
}

/**
 * Characters of prompt allowed per token of the model's context: no common vocabulary has a token longer
 * than 128 characters (Qwen2.5's longest is 128 spaces; Llama 2's 16 letters), so a prompt over this many
 * characters per token of context could never fit it, and refusing it by its size changes no answer.
 */
export const PROMPT_CHARS_PER_TOKEN = 128;

/** Room in a request body for everything but the message text (sampling options, JSON syntax). */
const BODY_OVERHEAD_BYTES = 64 * 1024;

/** Characters of message text in a request: what tokenising it costs, without tokenising it. */
function promptChars(messages: readonly { role: string; content: string }[]): number {
  let chars = 0;
  for (const m of messages) chars += m.role.length + m.content.length;
  return chars;
}

/** The path of a request URL, or a 400 for one that cannot be decoded (a bad %-escape, an invalid URL). */
function requestPath(url: string | undefined): { path: string; decode: (part: string) => string } {
  let path: string;
  try {
    path = new URL(url ?? "/", "http://localhost").pathname.replace(/\/+$/, "");
  } catch {
    throw new HttpError(400, "the request URL is not a valid URL");
  }
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new HttpError(400, `the request path ${JSON.stringify(path)} has an invalid %-escape`);
    }
  };
  return { path, decode };
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port`. */
  readonly url: string;
  /** `http://host:port/v1`, the `baseURL` of an `openai` client. */
  readonly baseURL: string;
  readonly port: number;
  /** Stop accepting connections and close the open ones. */
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Refuse at once and let the rest drain unread: the client still gets its 413 (the connection then
      // closes) instead of a reset, and nothing more is held.
      chunks.length = 0;
      req.off("data", onData);
      req.resume();
      reject(new HttpError(413, `the request body is larger than ${limit} bytes`));
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "the request body is not valid JSON");
  }
}

function authorized(req: IncomingMessage, apiKey: string): boolean {
  const header = req.headers.authorization ?? "";
  const given = Buffer.from(header.startsWith("Bearer ") ? header.slice(7) : "");
  const expected = Buffer.from(apiKey);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Serve a generator as an OpenAI-compatible API on node:http: `POST /v1/chat/completions` (JSON or
 * server-sent events; `n`, `temperature`, `top_p`, `top_k`, `max_tokens`, `stop`, `seed`, usage),
 * `GET /v1/models`, `GET /v1/models/{id}` and `GET /health`. Concurrent requests are queued and decoded
 * together in batches by the generator; bad requests get OpenAI's error body with a 4xx status.
 *
 * @example
 * ```ts
 * const server = await startServer({ generator: await LocalGenerator.load("models/tiny-llama") });
 * const client = new OpenAI({ baseURL: server.baseURL, apiKey: "unused" });
 * await client.chat.completions.create({ model: "tiny-llama", messages: [{ role: "user", content: "Hi" }] });
 * await server.close();
 * ```
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { generator } = options;
  const context = generator.contextLength;
  const maxPromptChars =
    options.maxPromptChars ?? (context === undefined ? undefined : context * PROMPT_CHARS_PER_TOKEN);
  const limit =
    options.maxBodyBytes ??
    Math.min(
      4 * 2 ** 20,
      maxPromptChars === undefined ? Number.POSITIVE_INFINITY : 6 * maxPromptChars + BODY_OVERHEAD_BYTES,
    );
  const created = Math.floor(Date.now() / 1000);
  const modelCard = { id: generator.model, object: "model", created, owned_by: "apo" };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { path, decode } = requestPath(req.url);
    if (req.method === "GET" && path === "/health") {
      sendJson(res, 200, { status: "ok" });
      return;
    }
    if (options.apiKey !== undefined && !authorized(req, options.apiKey)) {
      throw new HttpError(401, "Incorrect API key provided.", { code: "invalid_api_key" });
    }
    if (req.method === "GET" && path === "/v1/models") {
      sendJson(res, 200, { object: "list", data: [modelCard] });
      return;
    }
    if (req.method === "GET" && path.startsWith("/v1/models/")) {
      const id = decode(path.slice("/v1/models/".length));
      if (id !== generator.model) throw notFound(id, generator.model);
      sendJson(res, 200, modelCard);
      return;
    }
    if (path === "/v1/chat/completions") {
      if (req.method !== "POST") throw new HttpError(405, "use POST for /v1/chat/completions");
      const request = parseChatRequest(await readJson(req, limit));
      const chars = promptChars(request.messages);
      if (maxPromptChars !== undefined && chars > maxPromptChars) {
        throw new HttpError(
          400,
          `the messages have ${chars} characters, more than a model with a context of ${context ?? "?"} tokens ` +
            `can take (at most ${maxPromptChars}); shorten them`,
          { param: "messages", code: "context_length_exceeded" },
        );
      }
      if (request.model !== generator.model) throw notFound(request.model, generator.model);
      const controller = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) controller.abort(new Error("the client disconnected"));
      });
      await answerChat(generator, request, res, controller.signal);
      return;
    }
    throw new HttpError(
      404,
      `no route ${req.method} ${path}; this server has /v1/chat/completions and /v1/models`,
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const http = httpErrorOf(error);
      // A refused body may still be arriving: close the connection after the answer rather than reuse it.
      if (http.status === 413) res.setHeader("connection", "close");
      sendJson(res, http.status, http.body());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === "IPv6" ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function notFound(model: string, served: string): HttpError {
  return new HttpError(404, `The model \`${model}\` does not exist; this server serves \`${served}\`.`, {
    param: "model",
    code: "model_not_found",
  });
}
