import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The package folder (where `src/cli.ts` is). */
export const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

/** tsx's loader by absolute URL, so the CLI runs from any working directory. */
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** How a CLI process ended. */
export interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `apo` process (the CLI from its TypeScript sources, as `src/cli.test.ts` runs it). */
export interface ApoProcess {
  readonly child: ChildProcess;
  readonly done: Promise<Ended>;
  /** What it has written to stderr so far. */
  stderr(): string;
  /** Resolves once stderr matches `pattern` (rejects if the process ends first). */
  waitFor(pattern: RegExp): Promise<void>;
}

/** The command line that runs `apo` from its sources: `node --import tsx … src/cli.ts`. */
export function apoCommand(args: readonly string[]): string[] {
  return [
    process.execPath,
    "--import",
    tsx,
    "--conditions=@apo-clair/source",
    `${packageRoot}src/cli.ts`,
    ...args,
  ];
}

/**
 * Start `apo ARGS…` in `cwd` (default: the package folder), or `wrap(command)` when given (e.g. to run it
 * inside `unshare`).
 */
export function startApo(
  args: readonly string[],
  options: { cwd?: string; wrap?: (command: string[]) => string[]; env?: NodeJS.ProcessEnv } = {},
): ApoProcess {
  const command = (options.wrap ?? ((c) => c))(apoCommand(args));
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: options.cwd ?? packageRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let stdout = "";
  let stderr = "";
  let closed = false;
  const waiting: { pattern: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of [...waiting]) {
      if (w.pattern.test(stderr)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
    check();
  });
  const done = new Promise<Ended>((resolve) => {
    child.on("close", (code, signal) => {
      closed = true;
      for (const w of waiting.splice(0)) {
        w.reject(new Error(`apo ended (${code ?? signal}) before stderr matched ${w.pattern}:\n${stderr}`));
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    stderr: () => stderr,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stderr)) resolve();
        else if (closed) reject(new Error(`apo ended before stderr matched ${pattern}:\n${stderr}`));
        else waiting.push({ pattern, resolve, reject });
      }),
  };
}

/** Run `apo ARGS…` to its end. */
export function runApo(
  args: readonly string[],
  options: { cwd?: string; wrap?: (command: string[]) => string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<Ended> {
  return startApo(args, options).done;
}
