// Peak RSS on 100k rows (target: flat, under 300 MB): the input is streamed, the journal appended, and
// only the done-row keys stay in memory (packed, see src/key-set.ts). RSS is sampled every 50 ms and
// reported per 10% of the run.
import { statSync } from "node:fs";
import { join } from "node:path";
import { createClairBuilder } from "../src/clair.js";
import { createOpenAIGenerator } from "../src/openai-generator.js";
import { runDataset } from "../src/run-dataset.js";
import { createTemplateReviser } from "../src/template-roles.js";
import { startServerProcess, writeInput } from "./common.js";

const rows = Number(process.env.BENCH_ROWS ?? 100_000);
const { url, child } = await startServerProcess();
try {
  const { dir, input } = writeInput(rows);
  const output = join(dir, "out.jsonl");
  const generator = createOpenAIGenerator(
    { baseURL: url, model: "bench", apiKeyEnv: "BENCH_KEY" },
    { env: { BENCH_KEY: "bench" } },
  );
  const builder = createClairBuilder({ reviser: createTemplateReviser(generator) });
  const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let done = 0;
  const marks: string[] = [];
  let nextMark = rows / 10;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
    if (done >= nextMark) {
      marks.push(`${done}: ${mb(rss)}`);
      nextMark += rows / 10;
    }
  }, 50);
  const start = performance.now();
  const summary = await runDataset({
    builder,
    input,
    output,
    concurrency: 64,
    fsync: false,
    progressIntervalMs: 50,
    onProgress: (p) => {
      done = p.accepted + p.rejected;
    },
  });
  clearInterval(sampler);
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(
    `memory: ${summary.accepted} rows in ${seconds.toFixed(0)} s; input ${mb(statSync(input).size)}, ` +
      `output ${mb(statSync(output).size)}; RSS before ${mb(baseline)}, peak ${mb(peak)} (target < 300 MB)\n` +
      `  RSS along the run: ${marks.join(", ")}\n`,
  );
  // Resuming reads the journal's ids back: measure that too.
  const resumeStart = performance.now();
  const again = await runDataset({ builder, input, output, concurrency: 64, fsync: false });
  process.stdout.write(
    `resume over a finished journal: ${again.skipped} rows skipped in ${((performance.now() - resumeStart) / 1000).toFixed(1)} s, ` +
      `RSS ${mb(process.memoryUsage().rss)}\n`,
  );
} finally {
  child.kill("SIGTERM");
}
