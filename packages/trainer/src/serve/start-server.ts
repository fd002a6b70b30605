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
  /** Largest request body in bytes (default 4 MiB). */
  readonly maxBodyBytes?: number;
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
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `the request body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
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
  const limit = options.maxBodyBytes ?? 4 * 2 ** 20;
  const created = Math.floor(Date.now() / 1000);
  const modelCard = { id: generator.model, object: "model", created, owned_by: "apo" };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "");
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
      const id = decodeURIComponent(path.slice("/v1/models/".length));
      if (id !== generator.model) throw notFound(id, generator.model);
      sendJson(res, 200, modelCard);
      return;
    }
    if (path === "/v1/chat/completions") {
      if (req.method !== "POST") throw new HttpError(405, "use POST for /v1/chat/completions");
      const request = parseChatRequest(await readJson(req, limit));
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
