import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel, LocalGenerator, startServer } from "@apo/trainer";
import { expect, it } from "vitest";
import { reviseAnswers } from "./main.js";

it("revises through a real OpenAI-compatible endpoint (apo serve on loopback): every row is accounted for", async () => {
  // A tiny local model stands in for GPT-4: its answers are noise, so rows end as reasoned rejects. Its
  // context fits the reviser prompt and max_tokens: a shorter one is a refusal for the server's
  // configuration, which stops the run (ENDPOINT_MISCONFIGURED) instead of rejecting every row.
  const model = await createTinyModel({ family: "llama", seed: 3, maxPositions: 2048 });
  const generator = await LocalGenerator.create(model, { defaults: { maxNewTokens: 24, temperature: 0 } });
  const server = await startServer({ generator, port: 0, apiKey: "test-key" });
  process.env.TINY_KEY = "test-key";
  try {
    const dir = mkdtempSync(join(tmpdir(), "revise-openai-"));
    const output = join(dir, "pairs.jsonl");
    const summary = await reviseAnswers({
      baseURL: server.baseURL,
      model: generator.model,
      apiKeyEnv: "TINY_KEY",
      output,
    });
    const lines = (file: string) =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "");
    const accepted = lines(output);
    const rejected = lines(summary.rejects).map((l) => JSON.parse(l) as { prompt: string; reason: string });
    expect(accepted.length + rejected.length).toBe(3);
    for (const r of rejected) expect(r.reason.length).toBeGreaterThan(0);
  } finally {
    await server.close();
    await generator.close();
  }
});
