import { CommandLineError } from "../command-line-error.js";
import { parseCommandLine, wantsHelp } from "../parse-command-line.js";
import { StageProgress } from "../stage-progress.js";
import type { Completion, Prompt } from "./generator.js";
import { openGenerator } from "./open-generator.js";
import { validateGenerationOptions } from "./prepare-prompts.js";
import { SAMPLING_FLAG_OPTIONS, SAMPLING_FLAGS_USAGE, samplingFromFlags } from "./sampling-flags.js";

/** Usage of `apo generate`, shown by `apo --help`. */
export const GENERATE_USAGE = `  apo generate --model DIR [--adapter DIR] (--chat TEXT | --prompt TEXT | --ids 1,2,3) [--n 1]
      ${SAMPLING_FLAGS_USAGE}
      sample completions (a chat message through the chat template, raw text, or token ids); the text
      streams to stdout, one JSON line per completion with --json; --adapter merges a PEFT LoRA adapter
      into the model's weights in memory`;

/** `apo generate --help`: the usage and examples. */
export const GENERATE_HELP = `apo generate: sample completions from a model folder

usage:
${GENERATE_USAGE}

examples:
  apo init-model --family llama --out models/tiny
  apo generate --model models/tiny --chat "Sort 3 1 2" --temperature 0 --max-tokens 16
  apo generate --model models/tiny --prompt "Once upon a time" --n 4 --seed 1 --json

With --n above 1 and no --json, a generation over 2 s shows its progress (tokens, rate, ETA) on stderr.
See docs/generate.md.
`;

/**
 * `apo generate`: sample from a model folder (checkpoint or transformers.js export) and print the
 * completions. Returns the exit code.
 *
 * @example
 * ```ts
 * await generateCommand(["--model", "models/tiny-llama", "--chat", "Hi", "--temperature", "0"]);
 * ```
 */
export async function generateCommand(args: readonly string[]): Promise<number> {
  if (wantsHelp(args)) {
    process.stdout.write(GENERATE_HELP);
    return 0;
  }
  const values = parseCommandLine("generate", args, {
    model: { type: "string" },
    adapter: { type: "string" },
    chat: { type: "string" },
    prompt: { type: "string" },
    ids: { type: "string" },
    n: { type: "string" },
    json: { type: "boolean" },
    ...SAMPLING_FLAG_OPTIONS,
  });
  if (values.model === undefined)
    throw new CommandLineError("apo generate needs --model DIR", { flag: "model" });
  const given = [values.chat, values.prompt, values.ids].filter((v) => v !== undefined);
  if (given.length !== 1)
    throw new CommandLineError("give exactly one of --chat, --prompt or --ids", { flag: "prompt" });
  const prompt: Prompt =
    values.chat !== undefined
      ? [{ role: "user", content: values.chat }]
      : values.prompt !== undefined
        ? values.prompt
        : { ids: (values.ids ?? "").split(",").map(Number) };
  const n = Number(values.n ?? "1");
  if (!Number.isInteger(n) || n < 1)
    throw new CommandLineError(`--n must be an integer ≥ 1, got ${values.n}`, { flag: "n" });
  const options = samplingFromFlags(values);
  validateGenerationOptions(options);
  const generator = await openGenerator(
    values.model,
    values.adapter === undefined ? {} : { adapter: values.adapter },
  );
  try {
    const stream = n === 1 && values.json !== true;
    // One completion streams its text, which shows the progress; --json stays quiet. Each completion
    // takes at most --max-tokens (else the rest of the context) tokens.
    const budget = options.maxNewTokens ?? generator.contextLength;
    const progress =
      stream || values.json === true
        ? null
        : new StageProgress("generate", {
            total: budget === undefined ? null : n * budget,
            unit: "tokens",
            upperBound: true,
          });
    let completions: Completion[];
    try {
      completions = await generator.complete(
        Array.from({ length: n }, () => prompt),
        stream
          ? { ...options, onText: (_, delta) => process.stdout.write(delta) }
          : progress === null
            ? options
            : { ...options, onToken: () => progress.advance() },
      );
      progress?.done();
    } finally {
      progress?.close();
    }
    if (stream) process.stdout.write("\n");
    else for (const c of completions) process.stdout.write(`${JSON.stringify(c)}\n`);
    const tokens = completions.reduce((sum, c) => sum + c.completionTokens, 0);
    process.stderr.write(`${generator.model}: ${n} completion(s), ${tokens} tokens\n`);
    return 0;
  } finally {
    await generator.close();
  }
}
