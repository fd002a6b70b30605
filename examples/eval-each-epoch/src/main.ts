/**
 * Did alignment help, epoch by epoch? A tiny model trained with `apo train --eval-each-epoch`, each epoch's
 * checkpoint (and the starting model, epoch 0) scored by `clair eval` in its verifiable-answers mode against
 * the starting model, both served by `apo serve`; then `apo eval-report` prints the paper's Table 2 form:
 * each metric's value per epoch and its max and mean change over the checkpoints vs. the start.
 *
 *   pnpm --filter @apo-clair/example-eval-each-epoch start [out-dir]
 *
 * Everything runs through the command-line tools, as a user would type them (see the commands logged).
 * A random tiny model answers noise, so every pair ties at 0 % accuracy: this shows the plumbing, not a
 * model getting better.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** PATH with every `node_modules/.bin` from this example up to the repository, as `npm run` sets it. */
function pathWithBins(): string {
  const bins: string[] = [];
  for (let dir = here; ; dir = dirname(dir)) {
    const bin = join(dir, "node_modules", ".bin");
    if (existsSync(bin)) bins.push(bin);
    if (dirname(dir) === dir) break;
  }
  return [...bins, process.env.PATH ?? ""].join(delimiter);
}

/** Runs a command line through the shell; resolves to its stdout. */
function sh(line: string, log: (text: string) => void): Promise<string> {
  log(`$ ${line}`);
  return new Promise((done, fail) => {
    const child = spawn(line, {
      shell: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PATH: pathWithBins() },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("exit", (code) =>
      code === 0 ? done(stdout) : fail(new Error(`exit ${code}: ${line}\n${stderr.slice(-3000)}`)),
    );
  });
}

/** Arithmetic questions whose answers end in "the answer is N". */
function questions(count: number, offset: number): { prompt: string; answer: string; product: number }[] {
  return Array.from({ length: count }, (_, i) => {
    const a = 2 + ((i + offset) % 7);
    const b = 3 + (((i + offset) * 5) % 6);
    return {
      prompt: `What is ${a} times ${b}? End with: the answer is N.`,
      answer: String(a * b),
      product: a * b,
    };
  });
}

const jsonl = (rows: readonly object[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");

/** What {@link runExample} leaves behind. */
export interface ExampleResult {
  /** The run folder (`apo train --out`). */
  readonly run: string;
  /** The lines of `epoch-evals.jsonl`. */
  readonly rows: { epoch: number; scores: Record<string, { value: number | null }> }[];
  /** What `apo eval-report` printed. */
  readonly report: string;
}

/** Creates the model and data in `dir`, trains `epochs` epochs scoring each, and prints the report. */
export async function runExample(
  dir: string,
  { epochs = 2, log = console.log }: { epochs?: number; log?: (text: string) => void } = {},
): Promise<ExampleResult> {
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  const base = join(out, "base");
  const run = join(out, "run");
  await sh(`apo init-model --family llama --out "${base}" --seed 1 --context 256`, log);
  const train = questions(16, 0).map((q) => ({
    prompt: q.prompt,
    chosen: `${q.product}, so the answer is ${q.answer}.`,
    rejected: "I am not sure.",
  }));
  await writeFile(join(out, "pairs.jsonl"), jsonl(train));
  await writeFile(
    join(out, "heldout.jsonl"),
    jsonl(questions(6, 20).map(({ prompt, answer }) => ({ prompt, answer }))),
  );
  const scorer =
    `tsx "${join(here, "score-with-clair.ts")}" --prompts "${join(out, "heldout.jsonl")}" ` +
    `--baseline "${base}" --regex 'answer is (-?[0-9]+)' --max-tokens 16`;
  await sh(
    `apo train --model "${base}" --data "${join(out, "pairs.jsonl")}" --out "${run}" --epochs ${epochs} ` +
      `--batch-size 4 --lr 1e-3 --eval-fraction 0 --eval-each-epoch "${scorer.replaceAll('"', '\\"')}"`,
    log,
  );
  const report = await sh(`apo eval-report "${run}"`, log);
  log(report);
  const text = await readFile(join(run, "epoch-evals.jsonl"), "utf8");
  const rows = text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as ExampleResult["rows"][number]);
  return { run, rows, report };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runExample(process.argv[2] ?? "out");
}
