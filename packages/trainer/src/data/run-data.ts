import type { PretrainedModel } from "../models/pretrained-model.js";
import type { Progress } from "../train/progress.js";
import type { TrainConfig } from "../train/train-options.js";
import { mismatchExamples } from "./mismatch-pairs.js";
import { readPreferencePairs, type SkippedRow, type TrainPair } from "./read-pairs.js";
import { readUnpairedExamples, type UnpairedExample } from "./read-unpaired.js";
import { splitHeldOut } from "./split-held-out.js";
import { TrainDataError } from "./train-data-error.js";
import type { Truncation } from "./truncate-pair.js";

/**
 * The pairs of a run: training, held-out, and the rows left out of both. For unpaired (KTO-format) data
 * each "pair" is an example and its mismatched sequence (see {@link mismatchExamples}) and `labels` holds
 * the examples' desirable/undesirable labels; it is null for paired data.
 */
export interface RunData {
  readonly train: TrainPair[];
  readonly held: TrainPair[];
  readonly skipped: (SkippedRow & { file: string })[];
  readonly labels: { readonly train: boolean[]; readonly held: boolean[] } | null;
}

/**
 * The truncation settings of a run's config.
 *
 * @example
 * ```ts
 * truncationOf(config); // { maxLength: 1024, truncationMode: "keep_start", maxPromptLength: null, maxCompletionLength: null }
 * ```
 */
export const truncationOf = (c: TrainConfig): Truncation => ({
  maxLength: c.maxLength,
  truncationMode: c.truncationMode,
  maxPromptLength: c.maxPromptLength,
  maxCompletionLength: c.maxCompletionLength,
});

/**
 * Read a run's training file and its held-out pairs (the `eval` file, or a seeded `evalFraction` of the
 * training file), and report the rows left out, by file and line, through `progress`. With `format`
 * `"unpaired"` the files are in TRL's KTO format and each example comes with its mismatched sequence.
 * With `anchors` (a loss that reads per-pair anchors, `apo_anchored`) every paired row of both files must
 * carry `anchor`, and the pairs keep it (so the held-out split and the evaluation file carry theirs).
 *
 * @throws TrainDataError naming file and line, or when no training pair is left
 * @example
 * ```ts
 * const { train, held, skipped } = await readRunData(config, model, progress);
 * ```
 */
export async function readRunData(
  config: TrainConfig,
  model: PretrainedModel,
  progress: Progress,
  format: "paired" | "unpaired" = "paired",
  options: { readonly anchors?: boolean } = {},
): Promise<RunData> {
  const truncation = truncationOf(config);
  const context = model.config.maxPositions;
  type Row = TrainPair | UnpairedExample;
  const read = async (file: string): Promise<{ rows: Row[]; skipped: (SkippedRow & { file: string })[] }> => {
    const data =
      format === "paired"
        ? await readPreferencePairs(file, model.tokenizer, truncation, context, {
            ...options,
            vocabSize: model.config.vocabSize,
          })
        : await readUnpairedExamples(file, model.tokenizer, truncation, context);
    const rows = "pairs" in data ? data.pairs : data.examples;
    if (data.truncated > 0) {
      const limit = truncation.maxLength ?? context;
      progress.note(
        `truncated ${data.truncated} sequence(s) of ${file} to ${Math.min(limit, context)} tokens (${truncation.truncationMode})`,
      );
    }
    return { rows, skipped: data.skipped.map((s) => ({ ...s, file: data.file })) };
  };
  const data = await read(config.data);
  const skipped = data.skipped;
  let train = data.rows;
  let held: Row[] = [];
  if (config.eval !== null) {
    const evalData = await read(config.eval);
    skipped.push(...evalData.skipped);
    held = evalData.rows;
  } else {
    ({ train, heldOut: held } = splitHeldOut(data.rows, config.evalFraction, config.seed));
  }
  for (const file of new Set(skipped.map((s) => s.file))) {
    const rows = skipped.filter((s) => s.file === file);
    progress.note(
      `skipped ${rows.length} row(s) of ${file}: ${rows.map((s) => `line ${s.line} (${s.reason})`).join(", ")}`,
    );
  }
  if (train.length === 0)
    throw new TrainDataError(
      config.data,
      0,
      `no usable training ${format === "paired" ? "pairs" : "examples"}`,
    );
  if (format === "paired")
    return { train: train as TrainPair[], held: held as TrainPair[], skipped, labels: null };
  // TRL's KTO order is the file's, with the KL completions rotated within each micro-batch.
  const block = config.order === "torch" ? config.microBatchSize : undefined;
  const t = mismatchExamples(train as UnpairedExample[], truncation, context, block);
  const h = mismatchExamples(held as UnpairedExample[], truncation, context, block);
  return { train: t.pairs, held: h.pairs, skipped, labels: { train: t.labels, held: h.labels } };
}
