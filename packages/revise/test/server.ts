import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A fault (or a canned answer) the next chat-completions request gets. */
export type Fault =
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: string }
  | { kind: "hang" }
  | { kind: "malformed" }
  | { kind: "truncated" }
  | { kind: "empty-choices" }
  | { kind: "text"; text: string }
  /** A 200 whose body is `bytes` long (spaces, streamed as the client reads them; `declared` sends its length). */
  | { kind: "huge"; bytes: number; declared?: boolean };

interface ChatBody {
  model?: string;
  n?: number;
  messages?: { role: string; content: string }[];
}

/**
 * Builds the canned answer for a chat request: policy answers, reviser answers in the notebook's format,
 * judge answers. Directives in the prompt pick format variants, so a child-process CLI run can be
 * steered without talking to the test:
 * `#nomarker`, `#identical`, `#bold`, `#title`, `#long`, `#both`, `#neither`, `#judge2`, `#empty`;
 * for the judge also `#prefer:TEXT` (the solution ending with TEXT wins, else the first), `#longer` (the
 * longer one wins) and `#flaky` (the first request of each judge prompt names neither; needs `seen`,
 * the count of judge prompts answered so far); `#pad:MODEL:N` lengthens MODEL's answers by N phrases.
 */
export function cannedAnswer(body: ChatBody, sample: number, seen?: Map<string, number>): string {
  const content = body.messages?.at(-1)?.content ?? "";
  if (content.startsWith("You are a teacher and your task is to minimally improve")) {
    const task = between(content, "{task}: ", "\n\n{student_solution}: ");
    const student = between(content, "\n\n{student_solution}: ", "\n\n-----------------");
    if (task.includes("#nomarker")) return `I would just say: ${student} but better.`;
    if (task.includes("#identical"))
      return `{teacher_reasoning}: fine as is.\n\n{corrected_student_solution}: ${student}`;
    if (task.includes("#long"))
      return `{teacher_reasoning}: much more.\n\n{corrected_student_solution}: ${"long ".repeat(400)}`;
    if (task.includes("#bold"))
      return `**{teacher_reasoning}**: bold why\n\n**{corrected_student_solution}**: ${student} (revised)`;
    if (task.includes("#title"))
      return `**Teacher Reasoning:** why\n\n**Corrected Student Solution:**\n${student} (revised)`;
    return `{teacher_reasoning}: make it clearer.\n\n{corrected_student_solution}: ${student} (revised)`;
  }
  if (content.startsWith("You are a teacher and your task is to pick the best")) {
    const task = between(content, "{task}: ", "\n\n{student_solution_1}: ");
    const first = between(content, "\n\n{student_solution_1}: ", "\n\n{student_solution_2}: ");
    const second = between(content, "\n\n{student_solution_2}: ", "\n\n-----------------");
    if (task.includes("#both")) return "{teacher_reasoning}: [1] is clear, [2] is right.";
    if (task.includes("#neither")) return "{teacher_reasoning}: hard to say.";
    if (task.includes("#flaky") && seen !== undefined) {
      const times = seen.get(content) ?? 0;
      seen.set(content, times + 1);
      if (times === 0) return "{teacher_reasoning}: hard to say.";
    }
    if (task.includes("#judge2")) return "{teacher_reasoning}: the second is right.\n\n[2]";
    const prefer = /#prefer:(\S+)/.exec(task)?.[1];
    const ends = (text: string) => prefer !== undefined && text.trimEnd().endsWith(prefer);
    if (ends(first) !== ends(second))
      return `{teacher_reasoning}: the one ending with ${prefer}.\n\n[${ends(first) ? 1 : 2}]`;
    if (task.includes("#longer") && first.length !== second.length)
      return `{teacher_reasoning}: the longer one.\n\n[${first.length > second.length ? 1 : 2}]`;
    return "{teacher_reasoning}: the first is right.\n\n[1]";
  }
  if (content.includes("#empty")) return "";
  if (content.includes("#same")) return `answer to ${content}`;
  const model = (body.model ?? "?").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pad = new RegExp(`#pad:${model}:(\\d+)`).exec(content)?.[1];
  const padding = pad === undefined ? "" : ` ${"and so on ".repeat(Number(pad))}`;
  return `answer ${sample} to ${content}${padding} by ${body.model ?? "?"}`;
}

function between(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  if (from === -1) return "";
  const to = text.indexOf(end, from + start.length);
  return text.slice(from + start.length, to === -1 ? undefined : to);
}

function completion(body: ChatBody, texts: string[]): Record<string, unknown> {
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 0,
    model: body.model ?? "test-model",
    choices: texts.map((text, index) => ({
      index,
      message: { role: "assistant", content: text },
      finish_reason: "stop",
      logprobs: null,
    })),
    usage: { prompt_tokens: 10, completion_tokens: 5 * texts.length, total_tokens: 10 + 5 * texts.length },
  };
}

interface BatchRecord {
  id: string;
  status: string;
  input_file_id: string;
  output_file_id: string | null;
  error_file_id: string | null;
  polls: number;
}

/** A fake OpenAI-compatible server on 127.0.0.1 (random port). */
export interface TestServer {
  readonly url: string;
  /** Faults served in order, one per chat request, before canned answers resume. */
  readonly faults: Fault[];
  /** Chat requests received (including faulted ones). */
  chatRequests: number;
  /** Chat requests received per model name. */
  readonly requestsByModel: Map<string, number>;
  /** Authorization headers seen. */
  readonly authorizations: Set<string>;
  /** Delay before every chat answer. */
  latencyMs: number;
  /** Body bytes written by `huge` faults (the socket buffers included). */
  hugeBytesSent: number;
  /** How many polls a batch stays `in_progress`. */
  batchPolls: number;
  readonly files: Map<string, string>;
  readonly batches: Map<string, BatchRecord>;
  close(): Promise<void>;
}

/**
 * Starts the fake server: chat completions (canned answers, fault injection), files (upload, content) and
 * batches (create, retrieve), the parts of the API the `openai` client uses here.
 */
export async function startTestServer(): Promise<TestServer> {
  const sockets = new Set<import("node:net").Socket>();
  const seen = new Map<string, number>();
  let nextId = 0;
  const state: TestServer = {
    url: "",
    faults: [],
    chatRequests: 0,
    requestsByModel: new Map(),
    authorizations: new Set(),
    latencyMs: 0,
    hugeBytesSent: 0,
    batchPolls: 1,
    files: new Map(),
    batches: new Map(),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const json = (res: ServerResponse, status: number, value: unknown): void => {
    const text = JSON.stringify(value);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };

  const chat = async (body: ChatBody, res: ServerResponse): Promise<void> => {
    state.chatRequests += 1;
    const model = body.model ?? "";
    state.requestsByModel.set(model, (state.requestsByModel.get(model) ?? 0) + 1);
    if (state.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, state.latencyMs));
    const fault = state.faults.shift();
    if (fault === undefined || fault.kind === "text") {
      const n = body.n ?? 1;
      const texts = Array.from({ length: n }, (_, i) =>
        fault?.kind === "text" ? fault.text : cannedAnswer(body, i, seen),
      );
      json(res, 200, completion(body, texts));
      return;
    }
    switch (fault.kind) {
      case "status":
        res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
        res.end(
          fault.body ?? JSON.stringify({ error: { message: `injected ${fault.status}`, type: "test" } }),
        );
        return;
      case "hang":
        return; // never answers; the client's timeout must fire
      case "malformed":
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"id": "x", "choices": [ {');
        return;
      case "truncated": {
        const text = JSON.stringify(completion(body, ["cut"]));
        res.writeHead(200, { "content-type": "application/json", "content-length": text.length + 50 });
        res.write(text.slice(0, 20));
        setTimeout(() => res.socket?.destroy(), 5);
        return;
      }
      case "empty-choices":
        json(res, 200, { ...completion(body, []), choices: [] });
        return;
      case "huge": {
        const total = fault.bytes;
        res.writeHead(200, {
          "content-type": "application/json",
          ...(fault.declared === true ? { "content-length": String(total) } : {}),
        });
        const piece = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        let closed = false;
        res.on("close", () => {
          closed = true;
        });
        const pump = (): void => {
          while (!closed && sent < total) {
            const size = Math.min(piece.length, total - sent);
            sent += size;
            state.hugeBytesSent += size;
            if (!res.write(piece.subarray(0, size))) {
              res.once("drain", pump);
              return;
            }
          }
          if (!closed) res.end();
        };
        pump();
        return;
      }
    }
  };

  const batchOutput = (input: string): string =>
    input
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => {
        const request = JSON.parse(line) as { custom_id: string; body: ChatBody };
        const body = completion(request.body, [cannedAnswer(request.body, 0)]);
        return JSON.stringify({
          id: `batch_req_${nextId++}`,
          custom_id: request.custom_id,
          response: { status_code: 200, request_id: "r", body },
          error: null,
        });
      })
      .join("\n");

  const route = async (req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    state.authorizations.add(String(req.headers.authorization));
    const path = url.pathname.replace(/^\/v1/, "");
    if (req.method === "POST" && path === "/chat/completions") {
      let body: ChatBody;
      try {
        body = JSON.parse(raw.toString("utf8")) as ChatBody;
      } catch {
        json(res, 400, { error: { message: "bad json" } });
        return;
      }
      await chat(body, res);
      return;
    }
    if (req.method === "POST" && path === "/files") {
      const text = multipartFile(req.headers["content-type"] ?? "", raw);
      const id = `file-${nextId++}`;
      state.files.set(id, text);
      json(res, 200, {
        id,
        object: "file",
        bytes: text.length,
        created_at: 0,
        filename: "input.jsonl",
        purpose: "batch",
      });
      return;
    }
    const content = /^\/files\/([^/]+)\/content$/.exec(path);
    if (req.method === "GET" && content) {
      const text = state.files.get(content[1] ?? "");
      if (text === undefined) return json(res, 404, { error: { message: "no such file" } });
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(text);
      return;
    }
    if (req.method === "POST" && path === "/batches") {
      const body = JSON.parse(raw.toString("utf8")) as { input_file_id: string };
      const id = `batch_${nextId++}`;
      state.batches.set(id, {
        id,
        status: "in_progress",
        input_file_id: body.input_file_id,
        output_file_id: null,
        error_file_id: null,
        polls: 0,
      });
      return json(res, 200, batchView(state.batches.get(id)!));
    }
    if (req.method === "GET" && path === "/batches") {
      const data = [...state.batches.values()].reverse().map(batchView);
      return json(res, 200, { object: "list", data, has_more: false, first_id: null, last_id: null });
    }
    const batch = /^\/batches\/([^/]+)$/.exec(path);
    if (req.method === "GET" && batch) {
      const record = state.batches.get(batch[1] ?? "");
      if (record === undefined) return json(res, 404, { error: { message: "no such batch" } });
      record.polls += 1;
      if (record.status === "in_progress" && record.polls > state.batchPolls) {
        const outputId = `file-${nextId++}`;
        state.files.set(outputId, batchOutput(state.files.get(record.input_file_id) ?? ""));
        record.status = "completed";
        record.output_file_id = outputId;
      }
      return json(res, 200, batchView(record));
    }
    json(res, 404, { error: { message: `no route ${req.method} ${path}` } });
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      route(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { error: { message: String(error) } });
      });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  (state as { url: string }).url = `http://127.0.0.1:${port}/v1`;
  return state;
}

function batchView(record: BatchRecord): Record<string, unknown> {
  return {
    id: record.id,
    object: "batch",
    endpoint: "/v1/chat/completions",
    status: record.status,
    input_file_id: record.input_file_id,
    output_file_id: record.output_file_id,
    error_file_id: record.error_file_id,
    completion_window: "24h",
    created_at: 0,
  };
}

function multipartFile(contentType: string, raw: Buffer): string {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const mark = `--${boundary?.[1] ?? boundary?.[2] ?? ""}`;
  const parts = raw.toString("utf8").split(mark);
  for (const part of parts) {
    if (!part.includes("filename=")) continue;
    const start = part.indexOf("\r\n\r\n");
    return part.slice(start + 4, part.endsWith("\r\n") ? -2 : undefined);
  }
  return "";
}
