import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { runCli } from "../src/cli-main.js";
import { startTestServer, type TestServer } from "./server.js";

const PACKAGE = fileURLToPath(new URL("..", import.meta.url));

/** What a finished `clair` process left. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/** A `clair` child process, its output so far, and its end. */
export interface Run {
  child: ChildProcess;
  /** stderr so far. */
  stderr(): string;
  done: Promise<Finished>;
}

/** Starts `clair ARGS` as a child process (the real entry point, its signal handlers included). */
export function cli(args: string[], env: Record<string, string>): Run {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@apo-clair/source", "src/cli.ts", ...args],
    { cwd: PACKAGE, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  let stdout = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const done = new Promise<Finished>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stderr, stdout })),
  );
  return { child, stderr: () => stderr, done };
}

/** Runs the CLI in this process (for everything but the signal tests, to save process start-ups). */
export async function inProcess(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = "";
  let stdout = "";
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stderr, stdout };
}

/** Non-blank lines of a file (0 when it is missing). */
export function lineCount(path: string): number {
  try {
    return readFileSync(path, "utf8").split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** Waits until `condition` holds, polling every 20 ms. */
export async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The fake server of a test file and the CLI runners with its key. */
export interface CliHarness {
  /** Started before the file's tests, its latency and faults reset before each. */
  readonly server: TestServer;
  cli(args: string[]): Run;
  inProcess(args: string[]): Promise<{ code: number; stderr: string; stdout: string }>;
  /** `clair revise` of `input` into `output` by model `gpt-4` of the server, retries 1 ms apart. */
  reviseArgs(input: string, output: string, extra?: string[], model?: string): string[];
}

/** Registers the fake server's start, reset and stop for the calling test file. */
export function cliHarness(key: string, progressMs = 100): CliHarness {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    if (server === undefined) return;
    server.latencyMs = 0;
    server.faults.length = 0;
  });
  return {
    get server(): TestServer {
      if (server === undefined) throw new Error("the test server starts in beforeAll");
      return server;
    },
    cli: (args) => cli(args, { OPENAI_API_KEY: key }),
    inProcess: (args) => inProcess(args, { OPENAI_API_KEY: key }),
    reviseArgs(input, output, extra = [], model = "gpt-4") {
      return [
        "revise",
        "--input",
        input,
        "--output",
        output,
        "--reviser-model",
        model,
        "--reviser-base-url",
        this.server.url,
        "--retry-base-ms",
        "1",
        "--progress-ms",
        String(progressMs),
        ...extra,
      ];
    },
  };
}
