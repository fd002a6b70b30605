import type { PretrainedModel } from "../models/pretrained-model.js";
import type { Progress } from "./progress.js";
import { readPreferencePairs, type SkippedRow, type TrainPair } from "./read-pairs.js";
import { splitHeldOut } from "./split-held-out.js";
import { TrainDataError } from "./train-data-error.js";
import type { TrainConfig } from "./train-options.js";
import type { Truncation } from "./truncate-pair.js";

/** The pairs of a run: training, held-out, and the rows left out of both. */
export interface RunData {
  readonly train: TrainPair[];
  readonly held: TrainPair[];
  readonly skipped: (SkippedRow & { file: string })[];
}

/**
 * The truncation settings of a run's config.
 *
 * @example
 * ```ts
 * truncationOf(config); // { maxPromptLength: 512, maxCompletionLength: 512 }
 * ```
 */
export const truncationOf = (c: TrainConfig): Truncation => ({
  maxPromptLength: c.maxPromptLength,
  maxCompletionLength: c.maxCompletionLength,
});

/**
 * Read a run's training file and its held-out pairs (the `eval` file, or a seeded `evalFraction` of the
 * training file), and report the rows left out, by file and line, through `progress`.
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
): Promise<RunData> {
  const truncation = truncationOf(config);
  const context = model.config.maxPositions;
  const data = await readPreferencePairs(config.data, model.tokenizer, truncation, context);
  const skipped = data.skipped.map((s) => ({ ...s, file: data.file }));
  let train = data.pairs;
  let held: TrainPair[] = [];
  if (config.eval !== null) {
    const evalData = await readPreferencePairs(config.eval, model.tokenizer, truncation, context);
    skipped.push(...evalData.skipped.map((s) => ({ ...s, file: evalData.file })));
    held = evalData.pairs;
  } else {
    ({ train, heldOut: held } = splitHeldOut(data.pairs, config.evalFraction, config.seed));
  }
  for (const file of new Set(skipped.map((s) => s.file))) {
    const rows = skipped.filter((s) => s.file === file);
    progress.note(
      `skipped ${rows.length} row(s) of ${file}: ${rows.map((s) => `line ${s.line} (${s.reason})`).join(", ")}`,
    );
  }
  if (train.length === 0) throw new TrainDataError(config.data, 0, "no usable training pairs");
  return { train, held, skipped };
}
