// Rows per second at concurrency 64 against a local endpoint that answers instantly (target ≥ 1,000
// rows/s, i.e. ≤ 1 ms of our own overhead per row). The server runs in its own process.
//
// Besides wall time, the CPU time this process spends per row is reported: on a shared machine it is the
// steadier figure, and 1000 / (CPU ms per row) is the rate one free core sustains. Three kinds of case:
// - the pipeline with an in-process generator (no HTTP): exactly our own overhead per row (reading,
//   keys, prompt, parsing, filters, journal);
// - the bare `openai` client sending the same requests, with no journal, parsing or filtering;
// - the full pipeline over HTTP.
// Each case runs in a fresh process (after a warm-up in that process), so that one case's heap does not
// tax the next; HTTP cases run twice, interleaved, and the better run is kept, to damp a noisy machine.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import OpenAI from "openai";
import pLimit from "p-limit";
import { createClairBuilder } from "../src/clair.js";
import { createHttpFetch } from "../src/http-fetch.js";
import { createOpenAIGenerator } from "../src/openai-generator.js";
import { DEFAULT_REVISER_PROMPT, renderPrompt } from "../src/prompts.js";
import { runDataset } from "../src/run-dataset.js";
import { createTemplateReviser } from "../src/template-roles.js";
import { localGenerator } from "../test/local-roles.js";
import { startServerProcess, writeInput } from "./common.js";

const rows = Number(process.env.BENCH_ROWS ?? 20_000);
const concurrency = 64;
const only = process.env.BENCH_CASE;
const { url, child } = only === undefined ? { url: "", child: undefined } : await startServerProcess();

function report(name: string, count: number, seconds: number, cpu: NodeJS.CpuUsage): number {
  const cpuMs = (cpu.user + cpu.system) / 1000 / count;
  process.stdout.write(
    `${name.padEnd(34)} ${(count / seconds).toFixed(0).padStart(5)} rows/s wall  ` +
      `${cpuMs.toFixed(3)} CPU ms/row (${(1000 / cpuMs).toFixed(0)} rows/s per free core)\n`,
  );
  return cpuMs;
}

async function bareClient(count: number, fetch: "http" | "global", label?: string): Promise<number> {
  const client = new OpenAI({
    apiKey: "bench",
    baseURL: url,
    maxRetries: 0,
    ...(fetch === "http" ? { fetch: createHttpFetch() } : {}),
  });
  const limit = pLimit(concurrency);
  const messages = renderPrompt(DEFAULT_REVISER_PROMPT, {
    instruction: "Why is the sky blue?",
    response: "Light.",
  });
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: count }, () =>
      limit(() => client.chat.completions.create({ model: "bench", messages })),
    ),
  );
  return report(
    label ?? `bare openai client (${fetch} fetch)`,
    count,
    (performance.now() - start) / 1000,
    process.cpuUsage(cpu),
  );
}

async function pipeline(count: number, fsync: boolean, name: string, http = true): Promise<number> {
  const { dir, input } = writeInput(count);
  const generator = http
    ? createOpenAIGenerator(
        { baseURL: url, model: "bench", apiKeyEnv: "BENCH_KEY" },
        { env: { BENCH_KEY: "bench" } },
      )
    : localGenerator("bench");
  const builder = createClairBuilder({ reviser: createTemplateReviser(generator) });
  const cpu = process.cpuUsage();
  const start = performance.now();
  const summary = await runDataset({ builder, input, output: join(dir, "out.jsonl"), concurrency, fsync });
  if (summary.accepted !== count) throw new Error(`expected ${count} rows, got ${summary.accepted}`);
  return report(name, count, (performance.now() - start) / 1000, process.cpuUsage(cpu));
}

try {
  if (only !== undefined) {
    // child: warm up, then run one case and print its CPU ms per row on the last line
    const [kind, fsync] = only.split(":");
    await (kind === "bare"
      ? bareClient(2000, "http", "(warm-up)")
      : pipeline(2000, false, "(warm-up)", kind === "http"));
    const cpuMs =
      kind === "bare"
        ? await bareClient(rows, "http")
        : kind === "bare-global"
          ? await bareClient(rows, "global")
          : await pipeline(
              rows,
              fsync === "on",
              `clair revise, ${kind === "http" ? "over HTTP" : "no HTTP"}, fsync ${fsync}`,
              kind === "http",
            );
    process.stdout.write(`CPU_MS ${cpuMs}\n`);
  } else {
    const cases = [
      "own:off",
      "own:on",
      "bare-global:off",
      "bare:off",
      "http:off",
      "http:on",
      "bare:off",
      "http:off",
      "http:on",
    ];
    const best: Record<string, number> = {};
    for (const name of cases) {
      const result = spawnSync(process.execPath, process.execArgv.concat(process.argv.slice(1)), {
        env: { ...process.env, BENCH_CASE: name },
        encoding: "utf8",
      });
      const lines = result.stdout.split("\n").filter((line) => line !== "" && !line.includes("(warm-up)"));
      for (const line of lines) if (!line.startsWith("CPU_MS")) process.stdout.write(`${line}\n`);
      const cpuMs = Number(lines.find((line) => line.startsWith("CPU_MS"))?.split(" ")[1]);
      best[name] = Math.min(best[name] ?? Infinity, cpuMs);
    }
    const bare = best["bare:off"] ?? NaN;
    process.stdout.write(
      `our own overhead: ${(best["own:on"] ?? NaN).toFixed(3)} CPU ms/row without HTTP (fsync on); over the bare client: ` +
        `${((best["http:off"] ?? NaN) - bare).toFixed(3)} (fsync off), ${((best["http:on"] ?? NaN) - bare).toFixed(3)} ` +
        `(fsync on) CPU ms/row; target ≤ 1 ms/row\n`,
    );
  }
} finally {
  child?.kill("SIGTERM");
}
