import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTinyModel } from "../models/create-tiny-model.js";
import { SequenceTooLongError } from "../models/model-errors.js";
import { GenerationError } from "./generate-errors.js";
import type { ChatRequest, Generation } from "./generator.js";
import { LocalGenerator } from "./local-generator.js";

/** `@clair/revise`'s Generator role, restated here: the trainer must not import @clair/revise. */
interface ReviseGenerator {
  readonly model: string;
  generate(request: {
    readonly messages: readonly {
      readonly role: "system" | "user" | "assistant";
      readonly content: string;
    }[];
    readonly n?: number;
    readonly signal?: AbortSignal;
  }): Promise<{
    readonly texts: readonly string[];
    readonly usage: { promptTokens: number; completionTokens: number };
    readonly model: string;
  }>;
}

let generator: LocalGenerator;
const messages = [{ role: "user", content: "Tell me a story." }] as const;

beforeAll(async () => {
  // std 0.6: peaked next-token distributions, so greedy continuations are not all one repeated byte.
  const model = await createTinyModel({ family: "llama", seed: 11, std: 0.6 });
  generator = await LocalGenerator.create(model, { name: "tiny", defaults: { maxNewTokens: 12 } });
});
afterAll(async () => {
  await generator.close();
});

describe("LocalGenerator", () => {
  it("is reproducible with a seed, and different seeds differ", async () => {
    const options = { temperature: 1.5, maxNewTokens: 16, seed: 5 };
    const a = await generator.complete(["Hello", "Hello"], options);
    const b = await generator.complete(["Hello", "Hello"], options);
    expect(a).toEqual(b);
    // The two samples of one call draw from different streams.
    expect(a[0]!.tokenIds).not.toEqual(a[1]!.tokenIds);
    const c = await generator.complete(["Hello", "Hello"], { ...options, seed: 6 });
    expect(c.map((x) => x.tokenIds)).not.toEqual(a.map((x) => x.tokenIds));
  });

  it("temperature → 0 and top-k = 1 equal greedy", async () => {
    const prompts = ["Once upon a time", "The"];
    const greedy = await generator.complete(prompts, { temperature: 0, maxNewTokens: 16 });
    const cold = await generator.complete(prompts, { temperature: 1e-7, maxNewTokens: 16, seed: 3 });
    const topK = await generator.complete(prompts, { temperature: 2, topK: 1, maxNewTokens: 16, seed: 4 });
    const nucleus = await generator.complete(prompts, { topP: 1e-9, maxNewTokens: 16, seed: 5 });
    expect(cold).toEqual(greedy);
    expect(topK).toEqual(greedy);
    expect(nucleus).toEqual(greedy);
    expect(new Set(greedy[0]!.tokenIds).size).toBeGreaterThan(1);
  });

  it("cuts at stop text, ends at EOS, honours the budget, reports usage", async () => {
    const [free] = await generator.complete(["Once upon a time"], { temperature: 0, maxNewTokens: 16 });
    expect(free!.finishReason).toBe("length");
    expect(free!.completionTokens).toBe(16);
    expect(free!.promptTokens).toBe("Once upon a time".length);
    const stop = free!.text.slice(3, 5);
    const [cut] = await generator.complete(["Once upon a time"], { temperature: 0, stop: [stop] });
    expect(cut!.finishReason).toBe("stop");
    expect(cut!.text).toBe(free!.text.slice(0, free!.text.indexOf(stop)));
    // Declaring the 4th greedy token an EOS ends the completion there, without its text.
    const eos = free!.tokenIds[3]!;
    const first = free!.tokenIds.indexOf(eos);
    const [ended] = await generator.complete(["Once upon a time"], { temperature: 0, stopTokenIds: [eos] });
    expect(ended!.finishReason).toBe("stop");
    expect(ended!.tokenIds).toEqual(free!.tokenIds.slice(0, first + 1));
    // The generator's defaults (maxNewTokens 12) apply to calls that do not override them.
    const [defaulted] = await generator.complete(["Once upon a time"], { temperature: 0 });
    expect(defaulted!.tokenIds).toEqual(free!.tokenIds.slice(0, 12));
  });

  it("streams the same text it returns", async () => {
    const pieces = ["", ""];
    const out = await generator.complete(["Hi", "Once"], {
      temperature: 0.8,
      seed: 9,
      maxNewTokens: 20,
      stop: ["e"],
      onText: (i, delta) => {
        pieces[i] += delta;
      },
    });
    expect(pieces).toEqual(out.map((c) => c.text));
  });

  it("reports each sampled token to onToken, as many as each completion counts", async () => {
    const tokens = [0, 0, 0];
    const out = await generator.complete(["Hi", "Once", "Hi"], {
      temperature: 1,
      seed: 3,
      maxNewTokens: 15,
      onToken: (i) => {
        tokens[i] = (tokens[i] ?? 0) + 1;
      },
    });
    expect(tokens).toEqual(out.map((c) => c.completionTokens));
  });

  it("batches concurrent calls, each with its own options, like running them alone", async () => {
    const alone = [
      await generator.complete(["Once upon a time"], { temperature: 0, maxNewTokens: 10 }),
      await generator.complete(["Hi"], { temperature: 0.9, seed: 1, maxNewTokens: 5 }),
    ];
    const together = await Promise.all([
      generator.complete(["Once upon a time"], { temperature: 0, maxNewTokens: 10 }),
      generator.complete(["Hi"], { temperature: 0.9, seed: 1, maxNewTokens: 5 }),
    ]);
    expect(together.map((c) => c.map((x) => x.tokenIds))).toEqual(alone.map((c) => c.map((x) => x.tokenIds)));
  });

  it("answers chat requests in @clair/revise's Generator shape", async () => {
    const role: ReviseGenerator = generator;
    const generation = await role.generate({ messages, n: 3 });
    expect(generation.texts).toHaveLength(3);
    const request: ChatRequest = { messages, n: 3, seed: 2, temperature: 1 };
    const seeded: Generation = await generator.generate(request);
    expect(seeded.model).toBe("tiny");
    const [one] = await generator.complete([messages], { seed: 2, temperature: 1, maxNewTokens: 12 });
    expect(seeded.texts[0]).toBe(one!.text);
    expect(seeded.usage.promptTokens).toBe(one!.promptTokens);
    expect(seeded.usage.completionTokens).toBeGreaterThanOrEqual(3);
  });

  it("rejects bad options and prompts with what to fix", async () => {
    await expect(generator.complete(["x"], { temperature: -1 })).rejects.toThrow(GenerationError);
    await expect(generator.complete(["x"], { topP: 0 })).rejects.toThrow(/topP/);
    await expect(generator.complete([""])).rejects.toThrow(/no tokens/);
    await expect(generator.complete(["x".repeat(200)])).rejects.toThrow(SequenceTooLongError);
    await expect(generator.complete([{ ids: [1, 9999] }])).rejects.toThrow(/vocabulary/);
    const aborted = AbortSignal.abort();
    await expect(generator.complete(["x"], { signal: aborted })).rejects.toThrow();
  });
});
