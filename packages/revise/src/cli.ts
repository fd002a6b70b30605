#!/usr/bin/env node
import { runCli } from "./cli-main.js";
import { redact } from "./redact.js";

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  onSignal: (handler) => {
    process.on("SIGINT", () => handler("SIGINT"));
    process.on("SIGTERM", () => handler("SIGTERM"));
  },
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`clair: ${redact(error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = 1;
  },
);
