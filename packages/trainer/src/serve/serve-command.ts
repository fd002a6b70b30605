import { CommandLineError } from "../command-line-error.js";
import { openGenerator } from "../generate/open-generator.js";
import { validateGenerationOptions } from "../generate/prepare-prompts.js";
import {
  numberFlag,
  SAMPLING_FLAG_OPTIONS,
  SAMPLING_FLAGS_USAGE,
  samplingFromFlags,
} from "../generate/sampling-flags.js";
import { parseCommandLine, wantsHelp } from "../parse-command-line.js";
import { startServer } from "./start-server.js";

/** Usage of `apo serve`, shown by `apo --help`. */
export const SERVE_USAGE = `  apo serve --model DIR [--adapter DIR] [--port 8000] [--host 127.0.0.1] [--api-key-env NAME] [--name NAME]
      [--max-batch 16] ${SAMPLING_FLAGS_USAGE}
      an OpenAI-compatible endpoint (POST /v1/chat/completions, GET /v1/models) for a checkpoint or a
      transformers.js export; sampling flags are defaults that requests override (--max-tokens: the
      rest of the context unless given); with --api-key-env,
      requests must send that variable's value as their bearer key; --adapter merges a PEFT LoRA adapter
      into the checkpoint's weights in memory; Ctrl-C stops it`;

/** `apo serve --help`: the usage and examples. */
export const SERVE_HELP = `apo serve: an OpenAI-compatible endpoint for a model folder

usage:
${SERVE_USAGE}

examples:
  apo init-model --family llama --out models/tiny
  apo serve --model models/tiny --port 8000
  curl -s http://127.0.0.1:8000/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model": "tiny", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8}'
  APO_KEY=secret apo serve --model models/tiny --host 0.0.0.0 --api-key-env APO_KEY

See docs/generate.md.
`;

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * `apo serve`: serve a model folder until SIGINT or SIGTERM. Prints `serving NAME at URL/v1` on stdout
 * once it listens. Returns the exit code.
 *
 * @example
 * ```ts
 * await serveCommand(["--model", "models/tiny-llama", "--port", "8000"]);
 * ```
 */
export async function serveCommand(args: readonly string[]): Promise<number> {
  if (wantsHelp(args)) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const values = parseCommandLine("serve", args, {
    model: { type: "string" },
    adapter: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    "api-key-env": { type: "string" },
    name: { type: "string" },
    "max-batch": { type: "string" },
    ...SAMPLING_FLAG_OPTIONS,
  });
  if (values.model === undefined)
    throw new CommandLineError("apo serve needs --model DIR", { flag: "model" });
  const port = numberFlag(values.port, "port", true) ?? 8000;
  const maxBatchSize = numberFlag(values["max-batch"], "max-batch", true);
  const host = values.host ?? "127.0.0.1";
  let apiKey: string | undefined;
  const keyEnv = values["api-key-env"];
  if (keyEnv !== undefined) {
    apiKey = process.env[keyEnv];
    if (apiKey === undefined || apiKey === "")
      throw new CommandLineError(`--api-key-env ${keyEnv}: the variable is not set`, { flag: "api-key-env" });
  }
  const defaults = { maxNewTokens: Number.MAX_SAFE_INTEGER, ...samplingFromFlags(values) };
  validateGenerationOptions(defaults);
  const generator = await openGenerator(values.model, {
    defaults,
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(maxBatchSize === undefined ? {} : { maxBatchSize }),
    ...(values.adapter === undefined ? {} : { adapter: values.adapter }),
  });
  const server = await startServer({
    generator,
    host,
    port,
    ...(apiKey === undefined ? {} : { apiKey }),
  });
  if (!LOOPBACK.has(host) && apiKey === undefined) {
    process.stderr.write(
      `apo serve: listening on ${host} without an API key; anyone who can reach it can use it\n`,
    );
  }
  process.stdout.write(`serving ${generator.model} at ${server.baseURL}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  await generator.close();
  return 0;
}
