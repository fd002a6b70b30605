/**
 * A scorer for `apo train --eval-each-epoch`: serves the checkpoint being scored ($APO_CHECKPOINT) and the
 * baseline model with `apo serve` on free ports, runs `clair eval` in its verifiable-answers mode on
 * held-out prompts with known answers, writes clair's JSON report to $APO_EVAL_OUTPUT (which apo train
 * reads: win rate, length-controlled win rate, tie and loss rates, both accuracies, with their bootstrap
 * intervals), and stops both servers.
 *
 *   apo train ... --eval-each-epoch "tsx score-with-clair.ts --prompts heldout.jsonl --baseline models/base \
 *     --regex 'answer is (-?[0-9]+)'"
 *
 * Arguments after `--` go to `clair eval` as they are: a judge instead of `--regex`
 * (`-- --judge-model gpt-4-turbo --judge-base-url https://api.openai.com/v1`), `--concurrency`, ...
 *
 * `apo` and `clair` are looked up on PATH (`npx apo train ...` puts the workspace's bins there). clair's
 * rows go to `$APO_RUN_DIR/clair-eval/epoch-<k>.jsonl`, so a scoring that failed half way resumes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";

/** The environment apo train gives the command. */
function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set: run this under apo train --eval-each-epoch`);
  }
  return value;
}

/** An `apo serve` this script started. */
interface Server {
  readonly child: ChildProcess;
  /** Its base URL, `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
}

/** Starts `apo serve` on a free port; resolves once it listens. */
function serve(model: string, name: string, maxTokens: string): Promise<Server> {
  const child = spawn(
    "apo",
    [
      "serve",
      "--model",
      model,
      "--port",
      "0",
      "--name",
      name,
      "--max-tokens",
      maxTokens,
      "--temperature",
      "0",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((done, fail) => {
    let seen = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      seen += chunk;
      const m = /serving \S+ at (http\S+\/v1)/.exec(seen);
      if (m?.[1] !== undefined) done({ child, url: m[1] });
    });
    child.on("error", fail);
    child.on("exit", (code) => fail(new Error(`apo serve --model ${model} exited with code ${code}`)));
  });
}

/** Stops a server this script started, and waits for it to be gone. */
async function stop({ child }: Server): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  await gone;
}

/** Runs a command with inherited stdio (clair's Markdown report goes to apo train's output). */
function run(command: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, ...extraEnv },
    });
    child.on("error", fail);
    child.on("exit", (code) =>
      code === 0 ? done() : fail(new Error(`${command} ${args[0]} exited with code ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const split = argv.indexOf("--");
  const clairArgs = split === -1 ? [] : argv.slice(split + 1);
  const { values } = parseArgs({
    args: split === -1 ? argv : argv.slice(0, split),
    options: {
      prompts: { type: "string" },
      baseline: { type: "string" },
      regex: { type: "string" },
      "max-tokens": { type: "string", default: "24" },
      bootstrap: { type: "string", default: "1000" },
    },
  });
  if (values.prompts === undefined || values.baseline === undefined) {
    throw new Error(
      "usage: score-with-clair.ts --prompts FILE --baseline MODEL_DIR [--regex RE] [--max-tokens 24] " +
        "[--bootstrap 1000] [-- CLAIR_EVAL_FLAGS...]",
    );
  }
  const checkpoint = env("APO_CHECKPOINT");
  const epoch = env("APO_EPOCH");
  const output = env("APO_EVAL_OUTPUT");
  const rows = join(env("APO_RUN_DIR"), "clair-eval");
  await mkdir(rows, { recursive: true });
  const maxTokens = values["max-tokens"];
  const starting = await Promise.allSettled([
    serve(checkpoint, `epoch-${epoch}`, maxTokens),
    serve(values.baseline, "baseline", maxTokens),
  ]);
  try {
    const [candidate, baseline] = starting.map((s) => {
      if (s.status === "rejected") throw s.reason;
      return s.value;
    }) as [Server, Server];
    await run(
      "clair",
      [
        "eval",
        "--input",
        values.prompts,
        "--output",
        join(rows, `epoch-${epoch}.jsonl`),
        "--candidate-model",
        `epoch-${epoch}`,
        "--candidate-base-url",
        candidate.url,
        "--baseline-model",
        "baseline",
        "--baseline-base-url",
        baseline.url,
        ...(values.regex === undefined ? [] : ["--answer-regex", values.regex]),
        "--bootstrap",
        values.bootstrap,
        "--json",
        output,
        ...clairArgs,
      ],
      // apo serve without --api-key-env takes any key; the client wants one set.
      { OPENAI_API_KEY: process.env.OPENAI_API_KEY ?? "unused" },
    );
  } finally {
    await Promise.all(starting.map((s) => (s.status === "fulfilled" ? stop(s.value) : undefined)));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`score-with-clair: ${error instanceof Error ? error.message : String(error)}\n`);
  // Exit only once the servers are down (main's finally), so none outlives the scoring.
  process.exitCode = 1;
});
