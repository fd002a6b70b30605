import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Generator } from "../generate/generator.js";
import { LocalGenerator } from "../generate/local-generator.js";
import { createTinyModel } from "../models/create-tiny-model.js";
import { PROMPT_CHARS_PER_TOKEN, type RunningServer, startServer } from "./start-server.js";

let generator: LocalGenerator;
let server: RunningServer;
let client: OpenAI;
const messages = [{ role: "user" as const, content: "Tell me a story." }];

beforeAll(async () => {
  const model = await createTinyModel({ family: "gpt2", seed: 3, std: 0.6 });
  generator = await LocalGenerator.create(model, { name: "tiny-gpt2", batchWindowMs: 20 });
  server = await startServer({ generator, apiKey: "sk-test" });
  client = new OpenAI({ baseURL: server.baseURL, apiKey: "sk-test", maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await generator.close();
});

describe("apo serve (OpenAI chat completions)", () => {
  it("binds to loopback and lists its model", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["tiny-gpt2"]);
    expect((await client.models.retrieve("tiny-gpt2")).id).toBe("tiny-gpt2");
  });

  it("completes like the generator, with usage", async () => {
    const response = await client.chat.completions.create({
      model: "tiny-gpt2",
      messages,
      temperature: 0,
      max_tokens: 12,
    });
    const [expected] = await generator.complete([messages], { temperature: 0, maxNewTokens: 12 });
    expect(response.object).toBe("chat.completion");
    expect(response.choices).toHaveLength(1);
    expect(response.choices[0]!.message).toMatchObject({ role: "assistant", content: expected!.text });
    expect(response.choices[0]!.finish_reason).toBe(expected!.finishReason);
    expect(response.usage).toEqual({
      prompt_tokens: expected!.promptTokens,
      completion_tokens: expected!.completionTokens,
      total_tokens: expected!.promptTokens + expected!.completionTokens,
    });
  });

  it("streams the same text, with the role first and usage last", async () => {
    const params = { model: "tiny-gpt2", messages, temperature: 0.9, seed: 7, max_tokens: 16, n: 2 };
    const whole = await client.chat.completions.create(params);
    const stream = await client.chat.completions.create({
      ...params,
      stream: true,
      stream_options: { include_usage: true },
    });
    const texts = ["", ""];
    const roles: (string | undefined)[] = [];
    const finish: (string | null)[] = [null, null];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        if (texts[choice.index] === "" && choice.delta.role !== undefined)
          roles[choice.index] = choice.delta.role;
        texts[choice.index] += choice.delta.content ?? "";
        if (choice.finish_reason !== null) finish[choice.index] = choice.finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(texts).toEqual(whole.choices.map((c) => c.message.content));
    expect(roles).toEqual(["assistant", "assistant"]);
    expect(finish).toEqual(whole.choices.map((c) => c.finish_reason));
    expect(usage).toEqual(whole.usage);
  });

  it("samples n choices, reproducibly with a seed, cut at stop text", async () => {
    const params = { model: "tiny-gpt2", messages, n: 3, temperature: 1.2, seed: 11, max_tokens: 10 };
    const a = await client.chat.completions.create(params);
    const b = await client.chat.completions.create(params);
    expect(a.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(b.choices.map((c) => c.message.content)).toEqual(a.choices.map((c) => c.message.content));
    expect(new Set(a.choices.map((c) => c.message.content)).size).toBeGreaterThan(1);
    const first = a.choices[0]!.message.content!;
    const stop = first.slice(2, 4);
    const cut = await client.chat.completions.create({ ...params, n: 1, stop });
    expect(cut.choices[0]!.message.content).toBe(first.slice(0, first.indexOf(stop)));
    expect(cut.choices[0]!.finish_reason).toBe("stop");
  });

  it("answers bad requests with OpenAI's error body and a 4xx status", async () => {
    const bad = async (body: Record<string, unknown>) => {
      const error = await client.chat.completions
        .create({ model: "tiny-gpt2", messages, ...body } as never)
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(OpenAI.APIError);
      return error as InstanceType<typeof OpenAI.APIError>;
    };
    const temperature = await bad({ temperature: 3 });
    expect(temperature.status).toBe(400);
    expect(temperature.param).toBe("temperature");
    expect(temperature.type).toBe("invalid_request_error");
    expect((await bad({ n: 0 })).param).toBe("n");
    expect((await bad({ messages: [] })).param).toBe("messages");
    expect((await bad({ stop: [1] })).param).toBe("stop");
    const long = await bad({ messages: [{ role: "user", content: "x".repeat(500) }] });
    expect([long.status, long.code]).toEqual([400, "context_length_exceeded"]);
    const unknown = await bad({ model: "gpt-4o" });
    expect([unknown.status, unknown.code]).toEqual([404, "model_not_found"]);
    const wrongKey = new OpenAI({ baseURL: server.baseURL, apiKey: "sk-wrong", maxRetries: 0 });
    await expect(wrongKey.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const raw = await fetch(`${server.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test", "content-type": "application/json" },
      body: "{not json",
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { message: string } }).error.message).toMatch(/JSON/);
    expect((await fetch(`${server.url}/nope`)).status).toBe(401);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it("queues concurrent requests into shared batches, with the same answers as one at a time", async () => {
    const params = (i: number) => ({
      model: "tiny-gpt2",
      messages: [{ role: "user" as const, content: `Story number ${i}` }],
      temperature: i % 2 === 0 ? 0 : 1,
      seed: i,
      max_tokens: 8,
    });
    const alone: (string | null)[] = [];
    for (let i = 0; i < 6; i++)
      alone.push((await client.chat.completions.create(params(i))).choices[0]!.message.content);
    const before = generator.batches;
    const together = await Promise.all(
      Array.from({ length: 6 }, (_, i) => client.chat.completions.create(params(i))),
    );
    expect(together.map((r) => r.choices[0]!.message.content)).toEqual(alone);
    expect(generator.batches - before).toBeLessThan(6);
  });

  it("aborts the completions of a client that disconnects mid-stream", async () => {
    const failures: unknown[] = [];
    // A real generator, wrapped to see how its calls end.
    const watched: Generator = {
      model: generator.model,
      generate: (request) => generator.generate(request),
      complete: (prompts, options) =>
        generator.complete(prompts, options).catch((error: unknown) => {
          failures.push(error);
          throw error;
        }),
      close: async () => {},
    };
    const local = await startServer({ generator: watched });
    try {
      const streaming = new OpenAI({ baseURL: local.baseURL, apiKey: "unused", maxRetries: 0 });
      const stream = await streaming.chat.completions.create({
        model: "tiny-gpt2",
        messages,
        max_tokens: 100,
        stream: true,
      });
      for await (const _ of stream) break; // leaving the loop aborts the request
      await expect.poll(() => failures.length, { timeout: 10_000 }).toBe(1);
      expect(String(failures[0])).toMatch(/client disconnected/);
    } finally {
      await local.close();
    }
  });

  it("answers a bad %-escape or URL in a path with 400, not 500", async () => {
    for (const path of ["/v1/models/%E0%A4%A", "/v1/models/%zz"]) {
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: "Bearer sk-test" } });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string; type: string } }).error).toMatchObject({
        type: "invalid_request_error",
        message: expect.stringMatching(/invalid %-escape/),
      });
    }
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it("refuses prompts too long for the context by their size, without holding up /health", async () => {
    expect(generator.contextLength).toBe(128);
    // A body limit large enough to let 2.5 MB messages through to the prompt check.
    const local = await startServer({ generator, maxBodyBytes: 8 * 2 ** 20 });
    try {
      const body = JSON.stringify({
        model: "tiny-gpt2",
        messages: [
          { role: "system", content: "Be brief. ".repeat(50_000) },
          { role: "user", content: "Tell me a story. ".repeat(120_000) },
        ],
      });
      expect(body.length).toBeGreaterThan(2.5e6);
      const post = () =>
        fetch(`${local.baseURL}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
      const health: number[] = [];
      let busy = true;
      const watch = (async () => {
        while (busy) {
          const t0 = performance.now();
          expect((await fetch(`${local.url}/health`)).status).toBe(200);
          health.push(performance.now() - t0);
        }
      })();
      const answers = await Promise.all(Array.from({ length: 8 }, post));
      busy = false;
      await watch;
      for (const answer of answers) {
        expect(answer.status).toBe(400);
        expect(((await answer.json()) as { error: { code: string; param: string } }).error).toMatchObject({
          code: "context_length_exceeded",
          param: "messages",
        });
      }
      // Tokenising each 2.5 MB message list blocked the event loop about a second, and the 8 of them held
      // /health up for 6.9 s; refused by size, /health answers within parsing time even on a loaded machine
      // (624 ms seen with other test files running on both cores).
      expect(Math.max(...health)).toBeLessThan(1500);
    } finally {
      await local.close();
    }
    // By default the body limit follows the context too: 6 bytes per character allowed, plus 64 KiB.
    const response = await fetch(`${server.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test", "content-type": "application/json" },
      body: JSON.stringify({
        model: "tiny-gpt2",
        messages: [{ role: "user", content: "x".repeat(200_000) }],
      }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      `the request body is larger than ${6 * 128 * PROMPT_CHARS_PER_TOKEN + 65_536} bytes`,
    );
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
