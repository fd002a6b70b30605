import { open } from "node:fs/promises";
import { countLines } from "../data/count-lines.js";
import { checkVocabulary, parsePreferenceRow, type TokenizedPair } from "../data/preference-rows.js";
import { type JsonlRow, parseJsonl, readJsonl } from "../data/read-jsonl.js";
import { tokenisedRowLimit } from "../data/row-byte-limit.js";
import { TRL_TRUNCATION, type Truncation, truncateSequence } from "../data/truncate-pair.js";
import { withPath } from "../io-error.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { StageProgress } from "../stage-progress.js";
import type { ProgressOptions } from "../train/progress.js";
import { LogProbSession } from "./log-prob-session.js";

/** One output row of `apo logprobs`. */
export interface PreferenceLogProbRow {
  readonly id?: unknown;
  readonly chosen_logp: number;
  readonly rejected_logp: number;
  readonly chosen_tokens: number;
  readonly rejected_tokens: number;
}

/** Options of {@link preferenceLogProbs} and {@link writePreferenceLogProbs}. */
export interface PreferenceLogProbOptions {
  /** Pairs per forward run (default 8). */
  readonly batchSize?: number;
  /** How sequences are cut (default TRL's: `max_length` 1024, keep the start). */
  readonly truncation?: Truncation;
  /** The source named in errors (for text; {@link writePreferenceLogProbs} names its file itself). */
  readonly file?: string;
  /**
   * Longest row in bytes that {@link writePreferenceLogProbs} reads (default: 1 KiB per token of the
   * truncation's limit, between 1 and 64 MiB; see `tokenisedRowLimit`).
   */
  readonly maxLineBytes?: number;
  /**
   * Where {@link writePreferenceLogProbs} shows its progress (rows, rate, ETA) when it runs over 2 s: default
   * stderr, a live line on a TTY, else a line every 30 s; `{ stream: null }` is silent.
   */
  readonly progress?: Pick<ProgressOptions, "stream" | "live">;
}

/**
 * Score rows as they come: parse and truncate each, run batches of `batchSize` pairs, and yield each
 * batch's rows as soon as it is done (so nothing but one batch is held).
 */
async function* scoreRows(
  model: PretrainedModel,
  rows: AsyncIterable<JsonlRow> | Iterable<JsonlRow>,
  options: PreferenceLogProbOptions,
): AsyncGenerator<PreferenceLogProbRow[]> {
  const truncation = options.truncation ?? TRL_TRUNCATION;
  const context = model.config.maxPositions;
  const batchSize = options.batchSize ?? 8;
  const session = await LogProbSession.create(model);
  try {
    let batch: TokenizedPair[] = [];
    const run = async (): Promise<PreferenceLogProbRow[]> => {
      const results = await session.run(batch.flatMap((p) => [p.chosen, p.rejected]));
      const out = batch.map((p, i) => {
        const [c, r] = [results[2 * i]!, results[2 * i + 1]!];
        return {
          ...(p.id === undefined ? {} : { id: p.id }),
          chosen_logp: c.logp,
          rejected_logp: r.logp,
          chosen_tokens: c.tokens,
          rejected_tokens: r.tokens,
        };
      });
      batch = [];
      return out;
    };
    for await (const { line, value } of rows) {
      const at = { ...(options.file === undefined ? {} : { file: options.file }), line };
      const row = parsePreferenceRow(value, model.tokenizer, at);
      checkVocabulary(row, model.config.vocabSize, at);
      batch.push({
        ...row,
        chosen: truncateSequence(row.chosen, truncation, context),
        rejected: truncateSequence(row.rejected, truncation, context),
      });
      if (batch.length === batchSize) yield await run();
    }
    if (batch.length > 0) yield await run();
  } finally {
    await session.release();
  }
}

/**
 * Summed completion log-probs of the chosen and rejected responses of every preference pair in a JSONL
 * text (rows of token ids or text, tokenised as TRL does, see {@link parsePreferenceRow}), truncated as TRL
 * truncates them (`truncation`, default `max_length` 1024 keeping the start; the model's context bounds it),
 * in batches of `batchSize` pairs. `file` names the source in errors. Rows TRL's trainer would drop (a
 * prompt of `max_length` tokens or more) are still scored: their completions come out with 0 tokens.
 * For a file of any size, {@link writePreferenceLogProbs} streams instead.
 *
 * @example
 * ```ts
 * const rows = await preferenceLogProbs(model, await readFile("pairs.jsonl", "utf8"));
 * rows[0].chosen_logp - rows[0].rejected_logp;
 * ```
 */
export async function preferenceLogProbs(
  model: PretrainedModel,
  jsonl: string,
  options: PreferenceLogProbOptions = {},
): Promise<PreferenceLogProbRow[]> {
  const out: PreferenceLogProbRow[] = [];
  for await (const rows of scoreRows(model, parseJsonl(jsonl, options.file), options)) out.push(...rows);
  return out;
}

/**
 * `apo logprobs`: {@link preferenceLogProbs} of the JSONL file `data`, streamed: rows are read line by line
 * and each batch's output rows are appended to `out` (one JSON object per line) as soon as it is done, so
 * memory stays bounded whatever the file's size. Rows over `maxLineBytes` are refused (see
 * `tokenisedRowLimit`). Returns how many rows were written; after an error, `out` holds the rows done
 * before it. A run over 2 s shows its progress with rate and ETA on stderr (see `progress`).
 *
 * @throws TrainDataError naming the file and line of a bad row; IoError naming `out` when it cannot be written
 * @example
 * ```ts
 * const rows = await writePreferenceLogProbs(model, "pairs.jsonl", "logprobs.jsonl", { batchSize: 16 });
 * ```
 */
export async function writePreferenceLogProbs(
  model: PretrainedModel,
  data: string,
  out: string,
  options: Omit<PreferenceLogProbOptions, "file"> = {},
): Promise<number> {
  const truncation = options.truncation ?? TRL_TRUNCATION;
  const limit = tokenisedRowLimit(truncation, model.config.maxPositions, options.maxLineBytes);
  const shown = options.progress?.stream !== null;
  // The total for the ETA: one quick pass over the bytes, skipped when nothing is shown.
  const total = shown ? await countLines(data) : null;
  const handle = await withPath(out, "open for writing", () => open(out, "w"));
  const progress = new StageProgress("logprobs", { total, unit: "rows" }, options.progress);
  let written = 0;
  try {
    for await (const rows of scoreRows(model, readJsonl(data, limit), { ...options, file: data })) {
      const text = rows.map((r) => `${JSON.stringify(r)}\n`).join("");
      await withPath(out, "write", () => handle.write(text));
      written += rows.length;
      progress.advance(rows.length);
    }
  } catch (error) {
    progress.close();
    await handle.close().catch(() => undefined); // the first error is the one to report
    throw error;
  }
  progress.done();
  await withPath(out, "close", () => handle.close());
  return written;
}
