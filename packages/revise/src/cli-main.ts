import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { judge, revise, stronger } from "./commands.js";
import { InvalidFieldError } from "./errors.js";
import { formatProgress, formatSummary } from "./progress.js";
import { redact } from "./redact.js";
import type { RunSummary } from "./run-dataset.js";

const ROLES = ["reviser", "judge", "stronger", "policy"] as const;
type Role = (typeof ROLES)[number];

const ROLE_FLAGS = [
  "model",
  "base-url",
  "api-key-env",
  "temperature",
  "top-p",
  "max-tokens",
  "seed",
  "price",
  "timeout-ms",
];

const HELP = `clair: CLAIR and the paper's baseline preference datasets over OpenAI-compatible endpoints

usage:
  clair revise   --input FILE --output FILE --reviser-model NAME --reviser-base-url URL
                 [--policy-model NAME --policy-base-url URL] [--concurrency N] [--api-key-env NAME]
  clair judge    --input FILE --output FILE [--mode on-policy|off-policy] [--by judge|score]
                 [--judge-model NAME --judge-base-url URL] [--policy-model NAME --policy-base-url URL]
  clair stronger --input FILE --output FILE --stronger-model NAME --stronger-base-url URL
                 [--policy-model NAME --policy-base-url URL]

endpoints (ROLE = reviser, judge, stronger, policy):
  --ROLE-model NAME  --ROLE-base-url URL  --ROLE-api-key-env NAME  --ROLE-temperature T  --ROLE-top-p P
  --ROLE-max-tokens N  --ROLE-seed N  --ROLE-timeout-ms MS  --ROLE-price IN,OUT (USD per 1M tokens)
  --api-key-env NAME      key variable for every role without its own (default OPENAI_API_KEY)
  --timeout-ms MS         per-request timeout for every role (default 600000)

run:
  --rejects FILE          default <output>.rejects.jsonl
  --concurrency N         rows at once (default 16)
  --rpm N  --tpm N        requests / tokens per minute, per endpoint account (base URL + key variable)
  --max-tokens-budget N  --max-cost USD   stop cleanly when spent
  --max-retries N  --retry-base-ms MS  --retry-max-ms MS
  --max-consecutive-failures N   stop when the endpoint seems down (default 20)
  --template FILE         prompt template JSON {name, version, system, user}
  --max-length-ratio R  --length-slack N   revision length filter (default 3, 100)
  --batch [--poll-ms MS]  use the OpenAI Batch API (rows must carry their response)
  --no-fsync              do not sync every append (faster, not crash-safe against power loss)
  --progress-ms MS  --quiet

The output is the journal: rerun the same command to resume. Ctrl-C stops new requests, waits for
those in flight and writes them; a second Ctrl-C aborts them (they are redone on resume).
`;

function options() {
  const spec: Record<string, { type: "string" | "boolean" }> = {
    input: { type: "string" },
    output: { type: "string" },
    rejects: { type: "string" },
    concurrency: { type: "string" },
    "api-key-env": { type: "string" },
    "timeout-ms": { type: "string" },
    rpm: { type: "string" },
    tpm: { type: "string" },
    "max-tokens-budget": { type: "string" },
    "max-cost": { type: "string" },
    "max-retries": { type: "string" },
    "retry-base-ms": { type: "string" },
    "retry-max-ms": { type: "string" },
    "max-consecutive-failures": { type: "string" },
    template: { type: "string" },
    "max-length-ratio": { type: "string" },
    "length-slack": { type: "string" },
    mode: { type: "string" },
    by: { type: "string" },
    batch: { type: "boolean" },
    "poll-ms": { type: "string" },
    "no-fsync": { type: "boolean" },
    "progress-ms": { type: "string" },
    quiet: { type: "boolean" },
    help: { type: "boolean" },
  };
  for (const role of ROLES) for (const flag of ROLE_FLAGS) spec[`${role}-${flag}`] = { type: "string" };
  return spec;
}

type Flags = Record<string, string | boolean | undefined>;

function num(flags: Flags, name: string): number | undefined {
  const value = flags[name];
  return typeof value === "string" ? Number(value) : undefined;
}

function str(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
}

function defined<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function endpoint(flags: Flags, role: Role): Record<string, unknown> | undefined {
  if (str(flags, `${role}-model`) === undefined && str(flags, `${role}-base-url`) === undefined)
    return undefined;
  const price = str(flags, `${role}-price`);
  const [input, output] = (price ?? "").split(",").map(Number);
  return defined({
    baseURL: str(flags, `${role}-base-url`),
    model: str(flags, `${role}-model`),
    apiKeyEnv: str(flags, `${role}-api-key-env`) ?? str(flags, "api-key-env"),
    temperature: num(flags, `${role}-temperature`),
    topP: num(flags, `${role}-top-p`),
    maxTokens: num(flags, `${role}-max-tokens`),
    seed: num(flags, `${role}-seed`),
    timeoutMs: num(flags, `${role}-timeout-ms`) ?? num(flags, "timeout-ms"),
    price: price === undefined ? undefined : { inputPerMillion: input, outputPerMillion: output },
  });
}

function common(flags: Flags): Record<string, unknown> {
  const retry = defined({
    maxRetries: num(flags, "max-retries"),
    baseDelayMs: num(flags, "retry-base-ms"),
    maxDelayMs: num(flags, "retry-max-ms"),
  });
  const rateLimits = defined({ requestsPerMinute: num(flags, "rpm"), tokensPerMinute: num(flags, "tpm") });
  const budget = defined({ maxTokens: num(flags, "max-tokens-budget"), maxCostUsd: num(flags, "max-cost") });
  return defined({
    input: str(flags, "input"),
    output: str(flags, "output"),
    rejects: str(flags, "rejects"),
    concurrency: num(flags, "concurrency"),
    maxConsecutiveFailures: num(flags, "max-consecutive-failures"),
    fsync: flags["no-fsync"] === true ? false : undefined,
    retry: Object.keys(retry).length > 0 ? retry : undefined,
    rateLimits: Object.keys(rateLimits).length > 0 ? rateLimits : undefined,
    budget: Object.keys(budget).length > 0 ? budget : undefined,
    batch: flags.batch === true ? defined({ pollIntervalMs: num(flags, "poll-ms") }) : undefined,
  });
}

const FLAG_NAMES: Record<string, string> = {
  baseURL: "base-url",
  maxTokens: "max-tokens",
  topP: "top-p",
  apiKeyEnv: "api-key-env",
  timeoutMs: "timeout-ms",
  "retry.maxRetries": "max-retries",
  "retry.baseDelayMs": "retry-base-ms",
  "retry.maxDelayMs": "retry-max-ms",
  "rateLimits.requestsPerMinute": "rpm",
  "rateLimits.tokensPerMinute": "tpm",
  "budget.maxTokens": "max-tokens-budget",
  "budget.maxCostUsd": "max-cost",
  "filters.maxLengthRatio": "max-length-ratio",
  "filters.lengthSlack": "length-slack",
  "batch.pollIntervalMs": "poll-ms",
};

/** The command-line flag for an option path such as `reviser.baseURL` → `--reviser-base-url`. */
function flagFor(field: string): string {
  const special = FLAG_NAMES[field];
  if (special !== undefined) return `--${special}`;
  const [head = "", rest] = field.split(/\.(.*)/s);
  if ((ROLES as readonly string[]).includes(head)) {
    if (rest === undefined) return `--${head}-model / --${head}-base-url`;
    const leaf = rest.split(".")[0] ?? rest;
    const name = FLAG_NAMES[leaf] ?? leaf.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    return `--${head}-${name}`;
  }
  if (head === "template") return "--template";
  return `--${head.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Where the CLI writes and how it learns about signals; the entry point passes the process's, tests pass
 * their own.
 *
 * @example
 * ```ts
 * const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, onSignal: (h) => process.on("SIGINT", () => h("SIGINT")) };
 * ```
 */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Registers the handler for interrupt signals (SIGINT, SIGTERM). */
  readonly onSignal?: (handler: (name: string) => void) => void;
}

/**
 * Runs `clair <command> [flags]` and resolves the exit code: 0 complete, 1 error, 2 usage, 3 stopped by
 * the budget or failures (resumable), 130 stopped by a signal (resumable).
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(["revise", "--input", "in.jsonl", "--output", "out.jsonl", "--reviser-model", "gpt-4o", "--reviser-base-url", url], io);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "help") {
    io.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command !== "revise" && command !== "judge" && command !== "stronger") {
    io.stderr.write(`clair: unknown command "${command}" (expected revise, judge or stronger)\n`);
    return 2;
  }
  let flags: Flags;
  try {
    flags = parseArgs({ args: [...rest], options: options(), strict: true, allowPositionals: false })
      .values as Flags;
  } catch (error) {
    io.stderr.write(`clair ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (flags.help === true) {
    io.stdout.write(HELP);
    return 0;
  }

  const stop = new AbortController();
  const hard = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string): void => {
    interrupts += 1;
    if (interrupts === 1) {
      io.stderr.write(`\nclair: ${name}: no new requests; finishing those in flight (again to abort them)\n`);
      stop.abort();
    } else {
      io.stderr.write(`\nclair: ${name}: aborting requests in flight; they are redone on resume\n`);
      hard.abort();
    }
  };
  io.onSignal?.(onSignal);

  const quiet = flags.quiet === true;
  const controls = {
    ...(io.env === undefined ? {} : { env: io.env }),
    stop: stop.signal,
    signal: hard.signal,
    progressIntervalMs: num(flags, "progress-ms") ?? 2000,
    ...(quiet
      ? {}
      : {
          onProgress: (p: Parameters<typeof formatProgress>[0]) =>
            io.stderr.write(`clair: ${formatProgress(p)}\n`),
          onRetry: (message: string, attempt: number, delayMs: number) =>
            io.stderr.write(`clair: retry ${attempt} in ${Math.round(delayMs)} ms: ${message}\n`),
          onBatchStatus: (id: string, status: string) => io.stderr.write(`clair: batch ${id}: ${status}\n`),
        }),
    onFailure: (line: number, message: string) => io.stderr.write(`clair: line ${line} failed: ${message}\n`),
  };

  try {
    let summary: RunSummary;
    const base = common(flags);
    const templateFile = str(flags, "template");
    const template =
      templateFile === undefined ? undefined : (JSON.parse(readFileSync(templateFile, "utf8")) as unknown);
    if (command === "revise") {
      const filters = defined({
        maxLengthRatio: num(flags, "max-length-ratio"),
        lengthSlack: num(flags, "length-slack"),
      });
      summary = await revise(
        defined({
          ...base,
          reviser: endpoint(flags, "reviser") ?? {},
          policy: endpoint(flags, "policy"),
          template,
          filters: Object.keys(filters).length > 0 ? filters : undefined,
        }) as Parameters<typeof revise>[0],
        controls,
      );
    } else if (command === "judge") {
      summary = await judge(
        defined({
          ...base,
          mode: str(flags, "mode"),
          by: str(flags, "by"),
          judge: endpoint(flags, "judge"),
          policy: endpoint(flags, "policy"),
          template,
        }) as Parameters<typeof judge>[0],
        controls,
      );
    } else {
      summary = await stronger(
        defined({
          ...base,
          stronger: endpoint(flags, "stronger") ?? {},
          policy: endpoint(flags, "policy"),
        }) as Parameters<typeof stronger>[0],
        controls,
      );
    }
    io.stderr.write(formatSummary(summary));
    if (summary.stoppedBy === "complete") return 0;
    if (summary.stoppedBy === "stopped" || summary.stoppedBy === "aborted") return 130;
    return 3;
  } catch (error) {
    if (error instanceof InvalidFieldError && error.file === undefined && error.line === undefined) {
      io.stderr.write(`clair ${command}: ${flagFor(error.field)}: ${redact(error.detail)}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`clair ${command}: ${redact(message)}\n`);
    return 1;
  }
}
