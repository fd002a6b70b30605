// `clair eval` on 1,000 held-out prompts against a local endpoint (target: under 1 ms of our own CPU per
// judged pair). Each pair is four requests (the candidate's answer, the baseline's, the judge in both
// orders), then the report (win, tie, loss and LC win rates, 1,000 bootstrap resamples). The server runs
// in its own process, so this process's CPU time is ours and the HTTP client's:
// - `evaluate()` over HTTP, the function behind `clair eval`, fsync on (its default), report included;
// - the bare `openai` client sending the same four requests a pair, nothing else, and our generators
//   (`createOpenAIGenerator`: retries, limits, signals) sending them without the rest of the pipeline;
// - `evaluate()`'s builder with in-process generators (no HTTP) and the report: our own work alone.
// Our own CPU per judged pair is the first minus the bare client, and, by parts, the last plus our
// generators' cost over the bare client (steadier on a busy machine: each part is measured alone). Each case
// runs in a fresh process after a warm-up; HTTP cases run three times, interleaved, the best run kept.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import pLimit from "p-limit";
import { createPairwiseEvalBuilder } from "../src/eval-builder.js";
import { evaluate } from "../src/eval-command.js";
import { readEvalReport } from "../src/eval-report.js";
import { createHttpFetch } from "../src/http-fetch.js";
import { createOpenAIGenerator } from "../src/openai-generator.js";
import { DEFAULT_JUDGE_PROMPT, renderPrompt } from "../src/prompts.js";
import type { Generator } from "../src/roles.js";
import { runDataset } from "../src/run-dataset.js";
import { createTemplateJudge } from "../src/template-roles.js";
import { startServerProcess } from "./common.js";

const pairs = Number(process.env.BENCH_PAIRS ?? 1000);
const concurrency = 64;
const only = process.env.BENCH_CASE;
const { url, child } = only === undefined ? { url: "", child: undefined } : await startServerProcess();

/** Held-out prompts whose answers vary in length and whose judge verdicts mix wins, losses and ties. */
function prompt(i: number): string {
  const verdict = ["#prefer:cand", "#longer", "#prefer:base", ""][i % 4];
  return `Question ${i}: explain why the sky is blue, for a curious child. #pad:cand:${(i * 37) % 40} #pad:base:${(i * 11) % 30} ${verdict}`;
}

function writePrompts(count: number): { dir: string; input: string } {
  const dir = mkdtempSync(join(tmpdir(), "clair-eval-bench-"));
  const input = join(dir, "heldout.jsonl");
  const fd = openSync(input, "w");
  try {
    let text = "";
    for (let i = 0; i < count; i++) text += `${JSON.stringify({ prompt: prompt(i) })}\n`;
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return { dir, input };
}

function report(name: string, count: number, seconds: number, cpu: NodeJS.CpuUsage): number {
  const cpuMs = (cpu.user + cpu.system) / 1000 / count;
  process.stdout.write(
    `${name.padEnd(46)} ${(count / seconds).toFixed(0).padStart(5)} pairs/s wall  ${cpuMs.toFixed(3)} CPU ms/pair\n`,
  );
  return cpuMs;
}

async function overHttp(count: number, label: string): Promise<number> {
  const { dir, input } = writePrompts(count);
  const endpoint = (model: string) => ({ baseURL: url, model, apiKeyEnv: "BENCH_KEY" });
  const cpu = process.cpuUsage();
  const start = performance.now();
  const summary = await evaluate(
    {
      input,
      output: join(dir, "eval.jsonl"),
      concurrency,
      candidate: endpoint("cand"),
      baseline: endpoint("base"),
      judge: endpoint("gpt-4"),
    },
    { env: { BENCH_KEY: "bench" } },
  );
  if (summary.report.pairs !== count) throw new Error(`expected ${count} pairs, got ${summary.report.pairs}`);
  return report(label, count, (performance.now() - start) / 1000, process.cpuUsage(cpu));
}

/** The four requests of each pair, sent by the bare client or by our generators (no pipeline). */
async function requestsOnly(count: number, label: string, through: "bare" | "generator"): Promise<number> {
  const client = new OpenAI({ apiKey: "bench", baseURL: url, maxRetries: 0, fetch: createHttpFetch() });
  const generators = new Map(
    ["cand", "base", "gpt-4"].map((model) => [
      model,
      createOpenAIGenerator({ baseURL: url, model, apiKeyEnv: "BENCH_KEY" }, { env: { BENCH_KEY: "bench" } }),
    ]),
  );
  const limit = pLimit(concurrency);
  const ask = async (model: string, content: string): Promise<string> => {
    const messages = [{ role: "user" as const, content }];
    if (through === "generator") return (await generators.get(model)!.generate({ messages })).texts[0] ?? "";
    const response = await client.chat.completions.create({ model, messages });
    return response.choices[0]?.message.content ?? "";
  };
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(async () => {
        const [a, b] = await Promise.all([ask("cand", prompt(i)), ask("base", prompt(i))]);
        const judge = (r1: string, r2: string) =>
          renderPrompt(DEFAULT_JUDGE_PROMPT, { instruction: prompt(i), response_1: r1, response_2: r2 })[0]
            ?.content ?? "";
        await Promise.all([ask("gpt-4", judge(a, b)), ask("gpt-4", judge(b, a))]);
      }),
    ),
  );
  return report(label, count, (performance.now() - start) / 1000, process.cpuUsage(cpu));
}

/**
 * An in-process model that answers at once and costs next to nothing itself (no parsing of the prompt
 * beyond its length), so that the no-HTTP case measures our code alone: answers of varied length, and
 * judge verdicts mixing [1] and [2].
 */
function instant(model: string): Generator {
  return {
    model,
    async generate({ messages }) {
      const content = messages.at(-1)?.content ?? "";
      const text = content.startsWith("You are a teacher")
        ? `{teacher_reasoning}: because.\n\n[${content.length % 3 === 0 ? 2 : 1}]`
        : `answer by ${model}: ${"so on ".repeat((content.length * (model === "cand" ? 7 : 3)) % 40)}`;
      return { texts: [text], usage: { promptTokens: 10, completionTokens: 5 }, model };
    },
  };
}

async function inProcess(count: number, label: string): Promise<number> {
  const { dir, input } = writePrompts(count);
  const output = join(dir, "eval.jsonl");
  const builder = createPairwiseEvalBuilder({
    candidate: instant("cand"),
    baseline: instant("base"),
    judge: createTemplateJudge(instant("gpt-4")),
  });
  const cpu = process.cpuUsage();
  const start = performance.now();
  await runDataset({ builder, input, output, concurrency });
  const run = process.cpuUsage(cpu);
  const afterRun = process.cpuUsage();
  const result = await readEvalReport(output);
  const reportCpu = process.cpuUsage(afterRun);
  if (result.pairs !== count) throw new Error(`expected ${count} pairs, got ${result.pairs}`);
  const total = { user: run.user + reportCpu.user, system: run.system + reportCpu.system };
  process.stdout.write(
    `  (of which the report, 1,000 bootstrap refits: ${((reportCpu.user + reportCpu.system) / 1000 / count).toFixed(3)} CPU ms/pair)\n`,
  );
  return report(label, count, (performance.now() - start) / 1000, total);
}

try {
  if (only !== undefined) {
    const run =
      only === "http"
        ? overHttp
        : only === "bare" || only === "generator"
          ? (count: number, label: string) => requestsOnly(count, label, only)
          : inProcess;
    await run(200, "(warm-up)");
    const names = {
      http: "clair eval over HTTP (evaluate(), fsync on)",
      bare: "bare openai client, the same 4 requests a pair",
      generator: "our generators alone, the same 4 requests",
      own: "clair eval, no HTTP (instant in-process models)",
    };
    const cpuMs = await run(pairs, names[only as keyof typeof names]);
    process.stdout.write(`CPU_MS ${cpuMs}\n`);
  } else {
    const cases = [
      "own",
      "bare",
      "generator",
      "http",
      "bare",
      "generator",
      "http",
      "bare",
      "generator",
      "http",
    ];
    const best: Record<string, number> = {};
    for (const name of cases) {
      const result = spawnSync(process.execPath, process.execArgv.concat(process.argv.slice(1)), {
        env: { ...process.env, BENCH_CASE: name },
        encoding: "utf8",
      });
      if (result.status !== 0) throw new Error(`case ${name} failed: ${result.stderr}`);
      const lines = result.stdout.split("\n").filter((line) => line !== "" && !line.includes("(warm-up)"));
      for (const line of lines) if (!line.startsWith("CPU_MS")) process.stdout.write(`${line}\n`);
      const cpuMs = Number(lines.find((line) => line.startsWith("CPU_MS"))?.split(" ")[1]);
      best[name] = Math.min(best[name] ?? Infinity, cpuMs);
    }
    const ms = (x: number | undefined) => (x ?? Number.NaN).toFixed(3);
    const ours = (best.http ?? Number.NaN) - (best.bare ?? Number.NaN);
    const wrapper = (best.generator ?? Number.NaN) - (best.bare ?? Number.NaN);
    process.stdout.write(
      `clair eval, ${pairs} pairs: our own CPU per judged pair ${ms(ours)} ms over the bare client; ` +
        `by parts ${ms((best.own ?? Number.NaN) + wrapper)} ms (${ms(best.own)} without HTTP, report included, ` +
        `+ ${ms(wrapper)} our generators over the bare client); target < 1 ms\n`,
    );
  }
} finally {
  child?.kill("SIGTERM");
}
