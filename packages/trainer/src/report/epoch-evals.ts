import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { readJsonl } from "../data/read-jsonl.js";
import { withPath } from "../io-error.js";
import { readTrainerState } from "../train/checkpoint.js";
import type { ProgressOptions } from "../train/progress.js";
import { EpochEvalError } from "./epoch-eval-error.js";
import { formatEpochEvalReport, formatMetricNumber, summariseEpochEvals } from "./epoch-eval-report.js";
import { type EpochScores, epochScoresFromJson } from "./epoch-scores.js";
import { repairTail } from "./repair-tail.js";

/**
 * A scorer function for `train({ evalEachEpoch })`: scores one checkpoint folder (a Hugging Face model
 * folder; epoch 0 is the starting model's own folder) and resolves to its metrics in any shape
 * {@link epochScoresFromJson} reads: `{ score: 0.62 }`, `{ name: { value, low, high } }`, or the report of
 * `@clair/revise`'s `evaluate()`.
 *
 * @example
 * ```ts
 * const scorer: EpochScorer = async (checkpoint) => ({ accuracy: await myBenchmark(checkpoint) });
 * ```
 */
export type EpochScorer = (checkpoint: string, epoch: number) => Promise<object>;

/**
 * What `train({ evalEachEpoch })` scores each epoch's checkpoint with: a shell command (`apo train
 * --eval-each-epoch CMD`) or a function. See {@link scorePendingEpochs}.
 *
 * @example
 * ```ts
 * const hook: EvalEachEpoch = { command: "node score.mjs {checkpoint}" };
 * ```
 */
export type EvalEachEpoch = { readonly command: string } | EpochScorer;

/** One line of `<run>/epoch-evals.jsonl`: a checkpoint's scores. */
export interface EpochEvalRow {
  /** 0 for the starting model, k for the checkpoint at the end of epoch k. */
  readonly epoch: number;
  /** Optimizer steps taken (0 for the starting model). */
  readonly step: number;
  /** The folder scored (absolute). */
  readonly checkpoint: string;
  /** The command that scored it, or `"function"`. */
  readonly scorer: string;
  readonly scores: EpochScores;
  /** Wall time of the scoring. */
  readonly seconds: number;
  /** When it finished (ISO 8601). */
  readonly time: string;
}

/** File and folder names of the epoch evaluations inside a run folder. */
export const EPOCH_EVAL_FILES = {
  /** One {@link EpochEvalRow} per scored checkpoint. */
  log: "epoch-evals.jsonl",
  /** The Table 2 form of the log, rewritten after each scoring. */
  report: "epoch-evals.md",
  /** `epoch-<k>.json`: where a command may write its JSON (`APO_EVAL_OUTPUT`); kept. */
  outputs: "epoch-evals",
} as const;

/**
 * The scored checkpoints of a run, in file order (`<run>/epoch-evals.jsonl`; empty when there is none).
 *
 * @throws TrainDataError naming the line that is not JSON; IoError naming the file when it cannot be read
 * @example
 * ```ts
 * const rows = await readEpochEvals("runs/apo-zero");
 * rows.map((r) => r.scores.score?.value);
 * ```
 */
export async function readEpochEvals(runDir: string): Promise<EpochEvalRow[]> {
  const file = join(runDir, EPOCH_EVAL_FILES.log);
  const rows: EpochEvalRow[] = [];
  if (!existsSync(file)) return rows;
  for await (const { value } of readJsonl(file)) rows.push(value as unknown as EpochEvalRow);
  return rows;
}

/** Single-quoted for a POSIX shell. */
const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** The last `max` characters of `text`, cut at a line start where one is near. */
function tail(text: string, max = 2000): string {
  const trimmed = text.trimEnd();
  if (trimmed.length <= max) return trimmed;
  const cut = trimmed.slice(-max);
  const newline = cut.indexOf("\n");
  return newline === -1 || newline > 200 ? cut : cut.slice(newline + 1);
}

/** Keeps the last `limit` characters written to it. */
class TailBuffer {
  #text = "";
  constructor(readonly limit: number) {}
  push(chunk: string): void {
    this.#text += chunk;
    if (this.#text.length > 2 * this.limit) this.#text = this.#text.slice(-this.limit);
  }
  get text(): string {
    return this.#text.slice(-this.limit);
  }
}

/** Where one checkpoint is scored. */
interface ScoreTarget {
  readonly epoch: number;
  readonly step: number;
  readonly checkpoint: string;
}

/**
 * Run the shell command on one checkpoint and read its scores: `{checkpoint}`, `{epoch}` and `{run}` in
 * the command become the (quoted) folder, the epoch and the run folder; the environment adds
 * `APO_CHECKPOINT`, `APO_EPOCH`, `APO_RUN_DIR` and `APO_EVAL_OUTPUT`. The scores are the JSON the command
 * wrote to `APO_EVAL_OUTPUT`, else its last non-empty stdout line. Its stdout and stderr go on to `stream`.
 */
async function runCommand(
  command: string,
  target: ScoreTarget,
  runDir: string,
  stream: NodeJS.WritableStream | null,
): Promise<EpochScores> {
  const outputDir = join(runDir, EPOCH_EVAL_FILES.outputs);
  const output = join(outputDir, `epoch-${target.epoch}.json`);
  await withPath(outputDir, "create the folder", () => mkdir(outputDir, { recursive: true }));
  // A file left by an earlier, failed attempt must not pass for this one's result.
  await withPath(output, "remove", () => rm(output, { force: true }));
  const line = command
    .replaceAll("{checkpoint}", shellQuote(target.checkpoint))
    .replaceAll("{epoch}", String(target.epoch))
    .replaceAll("{run}", shellQuote(runDir));
  const stdout = new TailBuffer(1 << 20);
  const stderr = new TailBuffer(16 << 10);
  const facts = { epoch: target.epoch, checkpoint: target.checkpoint, command };
  const what = `epoch ${target.epoch} (${target.checkpoint}): \`${command}\``;
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((done, fail) => {
    const child = spawn(line, {
      shell: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        APO_CHECKPOINT: target.checkpoint,
        APO_EPOCH: String(target.epoch),
        APO_RUN_DIR: runDir,
        APO_EVAL_OUTPUT: output,
      },
    });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout.push(chunk);
      stream?.write(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr.push(chunk);
      stream?.write(chunk);
    });
    child.on("error", (cause) =>
      fail(new EpochEvalError(`${what} could not start: ${cause.message}`, { ...facts, cause })),
    );
    child.on("close", (exit, sig) => done({ code: exit, signal: sig }));
  });
  const stderrTail = tail(stderr.text);
  const withStderr = stderrTail === "" ? " (no stderr)" : `; its stderr ended with:\n${stderrTail}`;
  if (code !== 0) {
    const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
    throw new EpochEvalError(
      `${what} ${how}${withStderr}\nThe checkpoint is kept: fix the command and resume (apo train --resume ` +
        `${runDir} --eval-each-epoch ...) to score the epochs not yet scored.`,
      { ...facts, exitCode: code, stderrTail },
    );
  }
  let json: unknown;
  let source: string;
  if (existsSync(output)) {
    source = output;
    const text = await withPath(output, "read", () => readFile(output, "utf8"));
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new EpochEvalError(`${what} wrote ${output}, which is not JSON: ${(cause as Error).message}`, {
        ...facts,
        exitCode: 0,
        stderrTail,
        cause,
      });
    }
  } else {
    const last = stdout.text.trimEnd().split("\n").at(-1)?.trim() ?? "";
    source = `its last stdout line (${last === "" ? "empty" : JSON.stringify(last.slice(0, 200))})`;
    try {
      json = JSON.parse(last);
    } catch {
      json = undefined;
    }
  }
  const scores = epochScoresFromJson(json);
  if (scores === undefined) {
    throw new EpochEvalError(
      `${what} reported no scores: ${source} is not a JSON object of numbers, { value, low, high } ` +
        "estimates or a clair eval report (print one as its last stdout line, or write it to " +
        `$APO_EVAL_OUTPUT)${withStderr}`,
      { ...facts, exitCode: 0, stderrTail },
    );
  }
  return scores;
}

async function runFunction(scorer: EpochScorer, target: ScoreTarget): Promise<EpochScores> {
  const facts = { epoch: target.epoch, checkpoint: target.checkpoint };
  let result: unknown;
  try {
    result = await scorer(target.checkpoint, target.epoch);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new EpochEvalError(`epoch ${target.epoch} (${target.checkpoint}): the scorer threw: ${message}`, {
      ...facts,
      cause,
    });
  }
  const scores = epochScoresFromJson(result);
  if (scores === undefined) {
    throw new EpochEvalError(
      `epoch ${target.epoch} (${target.checkpoint}): the scorer returned no scores (an object of numbers or ` +
        `{ value, low, high } estimates): ${JSON.stringify(result)?.slice(0, 200)}`,
      facts,
    );
  }
  return scores;
}

/** The run's epoch-end checkpoints (`stepInEpoch` 0 after at least one epoch), by epoch. */
async function epochCheckpoints(runDir: string): Promise<ScoreTarget[]> {
  const names = await withPath(runDir, "list", () => readdir(runDir));
  const targets: ScoreTarget[] = [];
  for (const name of names) {
    if (!/^checkpoint-\d+$/.test(name)) continue;
    const dir = join(runDir, name);
    if (!existsSync(join(dir, "trainer_state.json"))) continue;
    const state = await readTrainerState(dir);
    if (state.stepInEpoch === 0 && state.epoch >= 1)
      targets.push({ epoch: state.epoch, step: state.step, checkpoint: dir });
  }
  return targets.sort((a, b) => a.epoch - b.epoch);
}

/** Options of {@link scorePendingEpochs}. */
export interface ScorePendingEpochsOptions {
  /** The run folder (`out`): its checkpoints are scored, and the log and report written there. */
  readonly runDir: string;
  /** The starting model's folder, scored as epoch 0. */
  readonly startModel: string;
  readonly scorer: EvalEachEpoch;
  /** Where the command's stdout and stderr go on to (default stderr; null: nowhere). */
  readonly stream?: NodeJS.WritableStream | null;
  /** Progress lines ("scoring epoch 2 with ..."); default: written to `stream`. */
  readonly note?: (line: string) => void;
}

/**
 * Score every checkpoint of a run not yet in its `epoch-evals.jsonl`: the starting model (epoch 0, the
 * baseline of the changes) and each epoch-end checkpoint (`checkpoint-<step>` whose trainer state is at an
 * epoch's end), in epoch order; append a row per checkpoint and rewrite `epoch-evals.md` (the Table 2 form,
 * {@link formatEpochEvalReport}) after each. What `train({ evalEachEpoch })` calls before training and after
 * each epoch's checkpoint; calling it again scores nothing twice, so a resumed run picks up where it left.
 * Returns the rows it added.
 *
 * A command runs in a shell with `APO_CHECKPOINT` (the folder), `APO_EPOCH`, `APO_RUN_DIR` and
 * `APO_EVAL_OUTPUT` (a file it may write its JSON to) set, and `{checkpoint}`, `{epoch}`, `{run}` replaced;
 * its scores are that file's JSON, else its last stdout line ({@link epochScoresFromJson}).
 *
 * @throws EpochEvalError naming the epoch, checkpoint, command, exit code and stderr tail when scoring fails
 *   (rows already scored stay in the log)
 * @example
 * ```ts
 * await scorePendingEpochs({ runDir: "runs/a", startModel: "models/tiny", scorer: { command: "node score.mjs" } });
 * ```
 */
export async function scorePendingEpochs(options: ScorePendingEpochsOptions): Promise<EpochEvalRow[]> {
  const runDir = resolve(options.runDir);
  const stream = options.stream === undefined ? process.stderr : options.stream;
  const note = options.note ?? ((line: string) => stream?.write(`${line}\n`));
  const log = join(runDir, EPOCH_EVAL_FILES.log);
  const cut = await repairTail(log);
  if (cut > 0) note(`${log}: cut off a torn last line (${cut} bytes) left by an interrupted write`);
  const rows = await readEpochEvals(runDir);
  const done = new Set(rows.map((r) => r.epoch));
  const targets = [
    { epoch: 0, step: 0, checkpoint: resolve(options.startModel) },
    ...(await epochCheckpoints(runDir)),
  ].filter((t) => !done.has(t.epoch));
  const { scorer } = options;
  const name = typeof scorer === "function" ? "function" : scorer.command;
  const earlier = [...new Set(rows.map((r) => r.scorer))].filter((s) => s !== name);
  if (targets.length > 0 && earlier.length > 0) {
    note(
      `${log}: earlier epochs were scored with ${earlier.map((s) => `\`${s}\``).join(", ")}, not \`${name}\`: ` +
        "changes between them compare different scorers",
    );
  }
  const added: EpochEvalRow[] = [];
  for (const target of targets) {
    const which = target.epoch === 0 ? "the starting model (epoch 0)" : `epoch ${target.epoch}`;
    note(`scoring ${which} with ${typeof scorer === "function" ? "the scorer function" : name}...`);
    const t0 = performance.now();
    const scores =
      typeof scorer === "function"
        ? await runFunction(scorer, target)
        : await runCommand(scorer.command, target, runDir, stream);
    const row: EpochEvalRow = {
      ...target,
      scorer: name,
      scores,
      seconds: (performance.now() - t0) / 1000,
      time: new Date().toISOString(),
    };
    await withPath(log, "append to", () => appendFile(log, `${JSON.stringify(row)}\n`));
    rows.push(row);
    added.push(row);
    const shown = Object.entries(scores)
      .map(([metric, v]) => `${metric} ${v.value === null ? "n/a" : formatMetricNumber(v.value)}`)
      .join(", ");
    note(`epoch ${target.epoch}: ${shown} (${row.seconds.toFixed(1)} s)`);
    await writeEpochEvalReport(runDir, rows);
  }
  return added;
}

/** `<run>/epoch-evals.md`, written whole (a temporary file renamed over it). */
async function writeEpochEvalReport(runDir: string, rows: readonly EpochEvalRow[]): Promise<void> {
  const file = join(runDir, EPOCH_EVAL_FILES.report);
  const text = formatEpochEvalReport([summariseEpochEvals(rows, basename(runDir))]);
  const tmp = `${file}.tmp-${process.pid}`;
  await withPath(tmp, "write", () => writeFile(tmp, text));
  await withPath(file, "replace", () => rename(tmp, file));
}

/**
 * The epoch-boundary hook `train()` calls: scores what is pending ({@link scorePendingEpochs}) when the
 * run has a scorer; without one, a no-op, with a note when the run folder already holds epoch evaluations
 * (a resume that forgot `--eval-each-epoch` would leave the next epochs unscored).
 *
 * @example
 * ```ts
 * const scoreEpochs = epochEvalHook(options.evalEachEpoch, config, options.progress, console.error);
 * await scoreEpochs();
 * ```
 */
export function epochEvalHook(
  scorer: EvalEachEpoch | undefined,
  run: { readonly out: string; readonly model: string },
  progress: ProgressOptions | undefined,
  note: (line: string) => void,
): () => Promise<void> {
  if (scorer === undefined) {
    const log = join(run.out, EPOCH_EVAL_FILES.log);
    if (existsSync(log)) {
      note(
        `${log} exists but this run has no --eval-each-epoch: the next epochs will not be scored ` +
          "(pass the same --eval-each-epoch again to score them)",
      );
    }
    return async () => undefined;
  }
  return async () => {
    const stream = progress?.stream === undefined ? process.stderr : progress.stream;
    await scorePendingEpochs({ runDir: run.out, startModel: run.model, scorer, stream, note });
  };
}
