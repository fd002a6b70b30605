import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type AnchorSummary, anchor } from "./anchor-command.js";
import { judge, revise, stronger } from "./commands.js";
import { InvalidFieldError } from "./errors.js";
import { evaluate } from "./eval-command.js";
import { formatEvalMarkdown } from "./eval-report.js";
import { formatProgress, formatSummary } from "./progress.js";
import { redact } from "./redact.js";
import { RetryLog } from "./retry-log.js";
import type { RunSummary } from "./run-dataset.js";
import { closest, closestFlag } from "./suggest.js";

const ROLES = ["reviser", "judge", "stronger", "policy", "candidate", "baseline"] as const;
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

const ENDPOINT_HELP = (roles: string) => `endpoints (ROLE = ${roles}):
  --ROLE-model NAME  --ROLE-base-url URL  --ROLE-api-key-env NAME  --ROLE-temperature T  --ROLE-top-p P
  --ROLE-max-tokens N  --ROLE-seed N  --ROLE-timeout-ms MS  --ROLE-price IN,OUT (USD per 1M tokens)
  --api-key-env NAME      key variable for every role without its own (default OPENAI_API_KEY)
  --timeout-ms MS         per-request timeout for every role (default 120000)
  --max-response-mib N    largest response body taken; past it the request is aborted (default 16)
`;

const RUN_HELP = `run:
  --rejects FILE          default <output>.rejects.jsonl
  --retry-rejects         build the rows of the rejects file again (records move to <rejects>.retried.jsonl)
  --concurrency N         rows at once (default 16)
  --rpm N  --tpm N        requests / tokens per minute, per endpoint account (base URL + key variable)
  --max-tokens-budget N  --max-cost USD   stop cleanly when spent
  --max-retries N  --retry-base-ms MS  --retry-max-ms MS   (default 6 retries, 1000 ms doubling to 60000)
  --max-consecutive-failures N   stop when the endpoint seems down (default 20)
  --max-line-mib N        longest input line read (default 64)
  --batch [--poll-ms MS]  use the OpenAI Batch API (rows must carry their response)
  --no-fsync              do not sync every append (faster, not crash-safe against power loss)
  --progress-ms MS  --quiet
  -h, --help              this help

The output is the journal: rerun the same command to resume. One run at a time writes an output
(<output>.lock; a second run exits at once). Ctrl-C stops new requests and waits between retries, waits
for those in flight and writes them; a second Ctrl-C aborts them (they are redone on resume).
`;

const HELP = `clair: CLAIR and the paper's baseline preference datasets over OpenAI-compatible endpoints

usage:
  clair revise   --input FILE --output FILE --reviser-model NAME --reviser-base-url URL
                 [--policy-model NAME --policy-base-url URL] [--concurrency N] [--api-key-env NAME]
  clair judge    --input FILE --output FILE [--mode on-policy|off-policy] [--by judge|score]
                 [--judge-model NAME --judge-base-url URL] [--policy-model NAME --policy-base-url URL]
  clair stronger --input FILE --output FILE --stronger-model NAME --stronger-base-url URL
                 [--policy-model NAME --policy-base-url URL]
  clair anchor   --input PAIRS --output FILE --judge-model NAME --judge-base-url URL
                 [--response-field FIELD | --policy-model NAME --policy-base-url URL] [--tie zero|down|0.5]
  clair anchor   --anchor-from margin --input PAIRS --output FILE [--logprobs FILE]
  clair eval     --input PROMPTS --output FILE --candidate-model NAME --candidate-base-url URL
                 --baseline-model NAME --baseline-base-url URL
                 (--judge-model NAME --judge-base-url URL | --answer-regex RE)
  clair COMMAND --help    the flags of one command, with an example

example:
  OPENAI_API_KEY=sk-... clair revise --input prompts.jsonl --output clair.jsonl \\
    --reviser-model gpt-4-turbo --reviser-base-url https://api.openai.com/v1

${ENDPOINT_HELP("reviser, judge, stronger, policy, candidate, baseline")}
${RUN_HELP}`;

const COMMAND_HELP: Record<Command, string> = {
  revise: `clair revise: CLAIR pairs (paper eq. 1): y_l = the row's response or the policy's answer,
y_w = the reviser's minimal revision of it

usage:
  clair revise --input FILE --output FILE --reviser-model NAME --reviser-base-url URL
               [--policy-model NAME --policy-base-url URL] [flags]

input rows: {"prompt": "...", "response": "..."}; "response" may be left out when a policy endpoint
samples it.

revise:
  --template FILE         prompt template JSON {name, version, system, user}
  --max-length-ratio R  --length-slack N   revision length filter (default 3, 100)

${ENDPOINT_HELP("reviser, policy")}
${RUN_HELP}
example:
  OPENAI_API_KEY=sk-... clair revise --input prompts.jsonl --output clair.jsonl \\
    --reviser-model gpt-4-turbo --reviser-base-url https://api.openai.com/v1 \\
    --policy-model llama --policy-base-url http://localhost:8000/v1 --policy-api-key-env VLLM_KEY
`,
  judge: `clair judge: judge pairs: on-policy (paper eq. 2: two policy samples, the judge picks one) or
off-policy (eq. 3: UltraFeedback-style candidates, picked by score or by the judge)

usage:
  clair judge --input FILE --output FILE [--mode on-policy|off-policy] [--by judge|score]
              [--judge-model NAME --judge-base-url URL] [--policy-model NAME --policy-base-url URL]

judge:
  --mode on-policy|off-policy   default on-policy (needs --policy-* and --judge-*)
  --by judge|score        off-policy: the judge over the first two candidates, or the scores (default judge)
  --template FILE         prompt template JSON {name, version, system, user}

${ENDPOINT_HELP("judge, policy")}
${RUN_HELP}
example:
  clair judge --mode off-policy --by score --input ultrafeedback.jsonl --output offpolicy.jsonl
`,
  stronger: `clair stronger: stronger-preferred pairs (paper eq. 4): y_l = the row's response or the policy's
answer, y_w = the stronger model's own answer

usage:
  clair stronger --input FILE --output FILE --stronger-model NAME --stronger-base-url URL
                 [--policy-model NAME --policy-base-url URL] [flags]

${ENDPOINT_HELP("stronger, policy")}
${RUN_HELP}
example:
  OPENAI_API_KEY=sk-... clair stronger --input prompts.jsonl --output stronger.jsonl \\
    --stronger-model gpt-4-turbo --stronger-base-url https://api.openai.com/v1
`,
  anchor: `clair anchor: fill each pair's "anchor" for apo train --loss apo_anchored: is the pair's chosen
answer better than the target model's own answer? The judge (the paper's prompt) answers in both orders:
chosen wins both -> "zero" (APO-zero), the model's answer wins both -> "down" (APO-down), a split or an
identical answer -> --tie. A reply naming neither answer is asked again once, then the row is rejected.

usage:
  clair anchor --input PAIRS --output FILE --judge-model NAME --judge-base-url URL
               [--response-field FIELD | --policy-model NAME --policy-base-url URL] [flags]
  clair anchor --anchor-from margin --input PAIRS --output FILE [--logprobs FILE] [flags]

input rows: {"prompt": ..., "chosen": ..., "rejected": ..., "response": ...} (strings or message lists);
the model's answer is --response-field (default response; a CLAIR file has it in rejected), or a sample
of the policy endpoint. Output rows: the input rows with "anchor" and "meta" (the input's id moves to
meta.inputId).

anchor:
  --anchor-from judge|margin   default judge
  --response-field FIELD  the row field with the model's own answer (default response)
  --tie zero|down|W       the anchor of a split verdict or an identical answer (default 0.5)
  --template FILE         judge prompt template JSON {name, version, system, user}
  margin (a heuristic, no judge: "down" where the reference model already prefers chosen):
  --logprobs FILE         apo logprobs output for PAIRS (else the rows carry chosen_logp, rejected_logp,
                          chosen_tokens, rejected_tokens)
  --margin-unit token|sequence   per-token margins (default) or summed log-probs
  --margin-threshold T    anchor "down" where the margin exceeds T nats (default 0)
  --margin-scale S        soft anchors sigmoid((margin - T) / S) instead of "zero"/"down"

${ENDPOINT_HELP("judge, policy")}
${RUN_HELP}
example:
  OPENAI_API_KEY=sk-... clair anchor --input clair.jsonl --output anchored.jsonl \\
    --response-field rejected --judge-model gpt-4-turbo --judge-base-url https://api.openai.com/v1
  apo logprobs --model base --data pairs.jsonl --out ref.jsonl && \\
    clair anchor --anchor-from margin --input pairs.jsonl --logprobs ref.jsonl --output anchored.jsonl
`,
  eval: `clair eval: pairwise evaluation of a candidate model against a baseline on held-out prompts: win
rate, tie rate and length-controlled win rate (AlpacaEval 2's logistic regression on the length
difference), each with a seeded bootstrap 95 % interval, as a Markdown table (stdout and a file) and JSON.
A judge compares the two answers in both orders (won both: win, lost both: loss, split: tie); or, with
--answer-regex, each answer is checked against the row's expected answer instead.

usage:
  clair eval --input PROMPTS --output FILE --candidate-model NAME --candidate-base-url URL
             --baseline-model NAME --baseline-base-url URL
             (--judge-model NAME --judge-base-url URL | --answer-regex RE) [flags]

input rows: {"prompt": ...} (a string or messages); "candidate" and "baseline" may carry answers already
sampled; with --answer-regex, the expected answer in --answer-field.

eval:
  --answer-regex RE       verifiable answers: the last match in an answer (its first group, if any) must
                          equal the expected answer (trimmed, case-insensitive); no judge
  --answer-field FIELD    the row field with the expected answer (default answer)
  --bootstrap N           bootstrap resamples (default 1000)  --seed N  their seed (default 0)
  --report FILE  --json FILE   the reports (default <output>.report.md, <output>.report.json)
  --template FILE         judge prompt template JSON {name, version, system, user}

${ENDPOINT_HELP("candidate, baseline, judge")}
${RUN_HELP}
example:
  LOCAL_KEY=x OPENAI_API_KEY=sk-... clair eval --input heldout.jsonl --output eval.jsonl \\
    --candidate-model aligned --candidate-base-url http://localhost:8001/v1 --candidate-api-key-env LOCAL_KEY \\
    --baseline-model base --baseline-base-url http://localhost:8002/v1 --baseline-api-key-env LOCAL_KEY \\
    --judge-model gpt-4-turbo --judge-base-url https://api.openai.com/v1
`,
};

const COMMANDS = ["revise", "judge", "stronger", "anchor", "eval"] as const;
type Command = (typeof COMMANDS)[number];

/** The roles of each command, its main role first (the order suggestions are made in). */
const COMMAND_ROLES: Record<Command, readonly Role[]> = {
  revise: ["reviser", "policy"],
  judge: ["judge", "policy"],
  stronger: ["stronger", "policy"],
  anchor: ["judge", "policy"],
  eval: ["candidate", "baseline", "judge"],
};

/** Flags of one command only (every command accepts the others' too, and ignores them). */
const COMMAND_FLAGS: Record<Command, readonly string[]> = {
  revise: ["template", "max-length-ratio", "length-slack"],
  judge: ["mode", "by", "template"],
  stronger: [],
  anchor: [
    "anchor-from",
    "response-field",
    "tie",
    "template",
    "logprobs",
    "margin-unit",
    "margin-threshold",
    "margin-scale",
  ],
  eval: ["answer-regex", "answer-field", "bootstrap", "seed", "report", "json", "template"],
};

const SHARED_FLAGS = [
  "input",
  "output",
  "rejects",
  "retry-rejects",
  "concurrency",
  "api-key-env",
  "timeout-ms",
  "max-response-mib",
  "rpm",
  "tpm",
  "max-tokens-budget",
  "max-cost",
  "max-retries",
  "retry-base-ms",
  "retry-max-ms",
  "max-consecutive-failures",
  "max-line-mib",
  "batch",
  "poll-ms",
  "no-fsync",
  "progress-ms",
  "quiet",
  "help",
];

/** The flags worth suggesting for a command: its roles' first, then its own, then the shared ones. */
function flagsOf(command: Command): string[] {
  const roles = COMMAND_ROLES[command].flatMap((role) => ROLE_FLAGS.map((flag) => `${role}-${flag}`));
  return [...roles, ...COMMAND_FLAGS[command], ...SHARED_FLAGS];
}

const BOOLEAN_FLAGS = new Set(["batch", "no-fsync", "quiet", "help", "retry-rejects"]);

function options() {
  const spec: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const command of COMMANDS) for (const flag of COMMAND_FLAGS[command]) spec[flag] = { type: "string" };
  for (const flag of SHARED_FLAGS) spec[flag] = { type: BOOLEAN_FLAGS.has(flag) ? "boolean" : "string" };
  spec.help = { type: "boolean", short: "h" };
  for (const role of ROLES) for (const flag of ROLE_FLAGS) spec[`${role}-${flag}`] = { type: "string" };
  return spec;
}

type Flags = Record<string, string | boolean | undefined>;

function num(flags: Flags, name: string): number | undefined {
  const value = flags[name];
  return typeof value === "string" ? Number(value) : undefined;
}

/** A size flag in MiB as bytes (left as given when not a number, for the option check to name). */
function mib(flags: Flags, name: string): number | undefined {
  const value = num(flags, name);
  return value === undefined ? undefined : Math.round(value * 2 ** 20);
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
    maxResponseBytes: mib(flags, "max-response-mib"),
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
    retryRejects: flags["retry-rejects"] === true ? true : undefined,
    maxLineBytes: mib(flags, "max-line-mib"),
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
  "bootstrap.resamples": "bootstrap",
  "bootstrap.seed": "seed",
  maxResponseBytes: "max-response-mib",
  maxLineBytes: "max-line-mib",
};

/** The command-line flag for an option path such as `reviser.baseURL` → `--reviser-base-url`. */
function flagFor(field: string): string {
  const special = FLAG_NAMES[field];
  if (special !== undefined) return `--${special}`;
  const [head = "", rest] = field.split(/\.(.*)/s);
  if ((ROLES as readonly string[]).includes(head)) {
    if (rest === undefined) return `--${head}-model / --${head}-base-url`;
    const leaf = rest.split(".")[0] ?? rest;
    if (leaf === "maxResponseBytes") return "--max-response-mib";
    const name = FLAG_NAMES[leaf] ?? leaf.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    return `--${head}-${name}`;
  }
  if (head === "template") return "--template";
  return `--${head.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The anchors of an anchor run's output, for the end-of-run summary. */
function formatAnchors(s: AnchorSummary): string {
  const verdicts = Object.entries(s.verdicts)
    .map(([verdict, count]) => `${verdict} ${count}`)
    .join(", ");
  const judged = Object.keys(s.verdicts).some((verdict) => verdict !== "margin");
  return (
    `  anchors   zero ${s.anchors.zero}, down ${s.anchors.down}, weighted ${s.anchors.mixed}` +
    `${verdicts === "" ? "" : ` (verdicts: ${verdicts})`}\n` +
    (judged || s.unparseableReplies > 0
      ? `  judge replies naming neither answer: ${s.unparseableReplies} (each asked again once; a second one rejects the row)\n`
      : "")
  );
}

function isCommand(name: string): name is Command {
  return (COMMANDS as readonly string[]).includes(name);
}

/** The parser's complaint in our words, with the nearest known flag for an unknown one. */
function usageError(command: Command, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const unknown = /Unknown option '(-{1,2})([^']+)'/.exec(message);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown?.[2] !== undefined) {
    const near = closestFlag(unknown[2], flagsOf(command));
    return `unknown option ${unknown[1]}${unknown[2]}${near === undefined ? "" : ` (did you mean --${near}?)`}`;
  }
  const positional = /Unexpected argument '([^']+)'/.exec(message);
  if (positional?.[1] !== undefined)
    return `unexpected argument "${positional[1]}" (every value follows its flag)`;
  const missing = /Option '(?:-\w, )?--([^ ]+) <value>' argument missing/.exec(message);
  if (missing?.[1] !== undefined) return `--${missing[1]} needs a value`;
  return message;
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
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const topic = first === "help" ? rest[0] : undefined;
    if (topic !== undefined && isCommand(topic)) {
      io.stdout.write(COMMAND_HELP[topic]);
      return 0;
    }
    io.stdout.write(HELP);
    return first === undefined ? 2 : 0;
  }
  if (!isCommand(first)) {
    const near = closest(first, COMMANDS);
    io.stderr.write(
      `clair: unknown command "${first}"${near === undefined ? "" : ` (did you mean ${near}?)`}; the commands are ${COMMANDS.slice(0, -1).join(", ")} and ${COMMANDS.at(-1)} (clair --help)\n`,
    );
    return 2;
  }
  const command = first;
  let flags: Flags;
  try {
    flags = parseArgs({ args: [...rest], options: options(), strict: true, allowPositionals: false })
      .values as Flags;
  } catch (error) {
    io.stderr.write(`clair ${command}: ${usageError(command, error)}; see clair ${command} --help\n`);
    return 2;
  }
  if (flags.help === true) {
    io.stdout.write(COMMAND_HELP[command]);
    return 0;
  }

  const stop = new AbortController();
  const hard = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string): void => {
    interrupts += 1;
    if (interrupts === 1) {
      io.stderr.write(
        `\nclair: ${name}: no new requests or retries; finishing those in flight (again to abort them)\n`,
      );
      stop.abort();
    } else {
      io.stderr.write(`\nclair: ${name}: aborting requests in flight; they are redone on resume\n`);
      hard.abort();
    }
  };
  io.onSignal?.(onSignal);

  const quiet = flags.quiet === true;
  const retries = new RetryLog((line) => io.stderr.write(`clair: ${line}\n`));
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
            retries.note(message, attempt, delayMs),
          onBatchStatus: (id: string, status: string) => io.stderr.write(`clair: batch ${id}: ${status}\n`),
        }),
    onFailure: (line: number, message: string) => io.stderr.write(`clair: line ${line} failed: ${message}\n`),
    onNotice: (message: string) => io.stderr.write(`clair: ${message}\n`),
  };

  try {
    let summary: RunSummary;
    let after = "";
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
    } else if (command === "anchor") {
      const tie = str(flags, "tie");
      const anchored = await anchor(
        defined({
          ...base,
          anchorFrom: str(flags, "anchor-from"),
          judge: endpoint(flags, "judge"),
          policy: endpoint(flags, "policy"),
          template,
          responseField: str(flags, "response-field"),
          tie: tie === undefined || tie === "zero" || tie === "down" ? tie : Number(tie),
          logprobs: str(flags, "logprobs"),
          marginUnit: str(flags, "margin-unit"),
          marginThreshold: num(flags, "margin-threshold"),
          marginScale: num(flags, "margin-scale"),
        }) as Parameters<typeof anchor>[0],
        controls,
      );
      summary = anchored;
      after = formatAnchors(anchored);
    } else if (command === "eval") {
      const bootstrap = defined({ resamples: num(flags, "bootstrap"), seed: num(flags, "seed") });
      const evaluated = await evaluate(
        defined({
          ...base,
          candidate: endpoint(flags, "candidate"),
          baseline: endpoint(flags, "baseline"),
          judge: endpoint(flags, "judge"),
          template,
          answerRegex: str(flags, "answer-regex"),
          answerField: str(flags, "answer-field"),
          bootstrap: Object.keys(bootstrap).length > 0 ? bootstrap : undefined,
          report: str(flags, "report"),
          json: str(flags, "json"),
        }) as Parameters<typeof evaluate>[0],
        controls,
      );
      summary = evaluated;
      io.stdout.write(formatEvalMarkdown(evaluated.report));
      after = `  report    → ${evaluated.reportFiles.markdown}, ${evaluated.reportFiles.json}\n`;
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
    retries.close();
    io.stderr.write(formatSummary(summary) + after);
    if (summary.stoppedBy === "complete") return 0;
    if (summary.stoppedBy === "stopped" || summary.stoppedBy === "aborted") return 130;
    return 3;
  } catch (error) {
    retries.close();
    if (error instanceof InvalidFieldError && error.file === undefined && error.line === undefined) {
      io.stderr.write(`clair ${command}: ${flagFor(error.field)}: ${redact(error.detail)}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`clair ${command}: ${redact(message)}\n`);
    return 1;
  }
}
