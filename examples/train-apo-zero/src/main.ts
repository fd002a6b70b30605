/**
 * APO-zero end to end on a tiny model: a checkpoint folder in Hugging Face layout, preference pairs in TRL's
 * JSONL format, `train()` with held-out evaluation, then the metrics, plots and checkpoint it wrote.
 *
 *   pnpm --filter @apo-clair/example-train-apo-zero start [out-dir]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createTinyModel, type TrainSummary, train } from "@apo/trainer";

/** Toy pairs: a correct answer preferred to an evasive one. */
function pairs(count: number): string {
  const rows = Array.from({ length: count }, (_, i) => {
    const a = 3 + (i % 6);
    const b = 2 + ((i * 5) % 7);
    return {
      prompt: [{ role: "user", content: `What is ${a} times ${b}?` }],
      chosen: [{ role: "assistant", content: `${a} times ${b} is ${a * b}.` }],
      rejected: [{ role: "assistant", content: "I am not sure." }],
    };
  });
  return `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
}

/** Creates the model and data in `dir`, trains, and returns the summary. */
export async function runExample(
  dir: string,
  log: (line: string) => void = console.log,
): Promise<TrainSummary> {
  await mkdir(dir, { recursive: true });
  const model = join(dir, "tiny-llama");
  await createTinyModel({ family: "llama", seed: 1, out: model, maxPositions: 128 });
  const data = join(dir, "pairs.jsonl");
  await writeFile(data, pairs(48));
  const summary = await train({
    model,
    data,
    out: join(dir, "run"),
    loss: "apo_zero",
    beta: 0.1,
    optimizer: "rmsprop",
    lr: 1e-4,
    epochs: 2,
    batchSize: 8,
    evalFraction: 0.25,
    evalEvery: 2,
    seed: 1,
    progress: { stream: null },
  });
  const last = summary.metrics.at(-1);
  log(
    `trained ${summary.step} steps on ${summary.trainPairs} pairs (${summary.evalPairs} held out) in ${summary.seconds.toFixed(1)} s`,
  );
  if (last !== undefined) log(`held-out at the end: ${JSON.stringify(last)}`);
  log(`checkpoints: ${summary.checkpoints.join(", ")}`);
  return summary;
}

if (process.argv[1]?.endsWith(join("train-apo-zero", "src", "main.ts"))) {
  await runExample(resolve(process.argv[2] ?? "out"));
}
