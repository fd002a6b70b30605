import type { Generator } from "../src/roles.js";
import { cannedAnswer } from "./server.js";

/** An in-process generator answering like the test server (the plug-in path, no HTTP). */
export function localGenerator(model: string): Generator & { calls: number } {
  const seen = new Map<string, number>();
  const generator = {
    model,
    calls: 0,
    async generate({
      messages,
      n = 1,
    }: {
      messages: readonly { role: string; content: string }[];
      n?: number;
    }) {
      generator.calls += 1;
      const body = { model, n, messages: messages.map((m) => ({ role: m.role, content: m.content })) };
      return {
        texts: Array.from({ length: n }, (_, i) => cannedAnswer(body, i, seen)),
        usage: { promptTokens: 10, completionTokens: 5 * n },
        model,
      };
    },
  };
  return generator;
}
