/**
 * CLAIR revisions of a model's answers by any OpenAI-compatible endpoint, with the paper's reviser prompt.
 *
 *   CLAIR_BASE_URL=https://api.openai.com/v1 CLAIR_REVISER_MODEL=gpt-4o OPENAI_API_KEY=… \
 *     pnpm --filter @apo-clair/example-revise-openai start
 *
 * Works the same against vLLM (`--base-url http://host:8000/v1`), Ollama or `apo serve`. Without
 * CLAIR_BASE_URL it says how to run and exits: nothing here is sent anywhere by default.
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunSummary, revise } from "@clair/revise";

const here = fileURLToPath(new URL("..", import.meta.url));

/** Options of {@link reviseAnswers}. */
export interface ReviseExampleOptions {
  baseURL: string;
  model: string;
  /** Environment variable holding the API key (default OPENAI_API_KEY). */
  apiKeyEnv?: string;
  input?: string;
  output: string;
}

/** Runs the CLAIR reviser over `{ prompt, response }` rows and writes TRL preference pairs. */
export async function reviseAnswers(options: ReviseExampleOptions): Promise<RunSummary> {
  return revise({
    input: options.input ?? join(here, "data", "answers.jsonl"),
    output: options.output,
    reviser: {
      baseURL: options.baseURL,
      model: options.model,
      apiKeyEnv: options.apiKeyEnv ?? "OPENAI_API_KEY",
      maxTokens: 1024,
    },
    concurrency: 4,
  });
}

if (process.argv[1]?.endsWith(join("revise-openai", "src", "main.ts"))) {
  const baseURL = process.env.CLAIR_BASE_URL;
  if (baseURL === undefined) {
    console.log(
      "Set CLAIR_BASE_URL (and CLAIR_REVISER_MODEL, OPENAI_API_KEY) to run against an endpoint; skipped.",
    );
  } else {
    const output = resolve(process.argv[2] ?? "clair-pairs.jsonl");
    const summary = await reviseAnswers({
      baseURL,
      model: process.env.CLAIR_REVISER_MODEL ?? "gpt-4o",
      output,
    });
    console.log(
      `${summary.accepted} pairs in ${output}, ${summary.rejected} rejected (see ${summary.rejects})`,
    );
  }
}
