// Runs a workspace package's command-line entry from its TypeScript sources, so `npx apo`, `npx clair` and
// `npx clair-metrics` work on a fresh clone with no build step. Published packages do not use this: their
// `publishConfig.bin` points at the built `dist/cli.js`.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Run `src/cli.ts` of the package whose `bin/` launcher calls this, with the workspace's source condition
 * (so sibling packages resolve to their sources too) and tsx for TypeScript; forwards arguments, stdio,
 * signals and the exit code.
 *
 * @param {string} launcherUrl the launcher's `import.meta.url`
 */
export function runSourceBin(launcherUrl) {
  const cli = fileURLToPath(new URL("../src/cli.ts", launcherUrl));
  const tsx = import.meta.resolve("tsx");
  const child = spawn(
    process.execPath,
    ["--conditions=@apo-clair/source", "--import", tsx, cli, ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => {
    if (signal !== null) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
