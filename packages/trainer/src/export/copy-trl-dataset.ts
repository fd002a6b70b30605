import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { countLines } from "../data/count-lines.js";
import { readJsonl } from "../data/read-jsonl.js";
import { type RowLocation, TrainDataError } from "../data/train-data-error.js";
import { StageProgress } from "../stage-progress.js";
import type { ProgressOptions } from "../train/progress.js";

/** TRL's two dataset formats: preference pairs (DPOTrainer) and unpaired examples (KTOTrainer). */
export type TrlDataFormat = "paired" | "unpaired";

/**
 * How TRL 1.13 reads a file, which it decides from the FIRST row alone: strings or `{role, content}`
 * message lists (the chat template is applied only to messages), and, for pairs, whether the prompt is
 * explicit or extracted from `chosen`/`rejected` (the implicit-prompt format).
 */
export interface TrlRowShape {
  readonly conversational: boolean;
  readonly implicitPrompt: boolean;
}

/** What {@link copyTrlDataset} wrote. */
export interface TrlDatasetCopy {
  readonly rows: number;
  readonly shape: TrlRowShape;
}

const TEXT_FIELDS: Record<TrlDataFormat, readonly string[]> = {
  paired: ["prompt", "chosen", "rejected"],
  unpaired: ["prompt", "completion"],
};

type Kind = "string" | "messages";

function kindOf(value: unknown): Kind | undefined {
  if (typeof value === "string") return "string";
  const isMessages =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (m: unknown) =>
        typeof m === "object" &&
        m !== null &&
        typeof (m as { role?: unknown }).role === "string" &&
        typeof (m as { content?: unknown }).content === "string",
    );
  return isMessages ? "messages" : undefined;
}

const describe = (conversational: boolean) => (conversational ? "lists of messages" : "strings");

function rowError(at: RowLocation, field: string, message: string): TrainDataError {
  return new TrainDataError(at.file, at.line, message, { field });
}

/**
 * Check one row against TRL's format and against the shape of the file's first row (or of the training
 * file, for held-out rows); returns the row's own shape.
 */
function checkRow(
  value: unknown,
  format: TrlDataFormat,
  at: RowLocation,
  expected: { shape: TrlRowShape; source: string } | undefined,
): TrlRowShape {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TrainDataError(at.file, at.line, "each line must be a JSON object");
  }
  const row = value as Record<string, unknown>;
  const fields = TEXT_FIELDS[format];
  const tokenIds = fields.map((f) => `${f}_ids`).find((f) => f in row);
  let first: { field: string; kind: Kind } | undefined;
  let implicitPrompt = false;
  for (const field of fields) {
    if (!(field in row)) {
      if (tokenIds !== undefined) {
        throw rowError(
          at,
          tokenIds,
          `"${tokenIds}": TRL 1.13 cannot read token-id rows (it tokenizes text itself); give ` +
            `${fields.map((f) => `"${f}"`).join(", ")} as strings or lists of {role, content} messages`,
        );
      }
      if (field === "prompt" && format === "paired") {
        implicitPrompt = true;
        continue;
      }
      throw rowError(at, field, `missing "${field}" (a string or a list of {role, content} messages)`);
    }
    const kind = kindOf(row[field]);
    if (kind === undefined) {
      throw rowError(at, field, `"${field}" must be a string or a list of {role, content} messages`);
    }
    if (first === undefined) first = { field, kind };
    else if (kind !== first.kind) {
      throw rowError(
        at,
        field,
        `"${field}" is ${kind === "string" ? "a string" : "a list of messages"} but "${first.field}" is ` +
          `${first.kind === "string" ? "a string" : "a list of messages"}: TRL 1.13 cannot mix strings and ` +
          "messages in a row (it crashes); give every field as strings or every field as messages",
      );
    }
  }
  if (format === "unpaired" && typeof row.label !== "boolean") {
    throw rowError(at, "label", `"label" must be true (desirable) or false (undesirable)`);
  }
  const shape = { conversational: first?.kind === "messages", implicitPrompt };
  if (expected !== undefined) {
    const { shape: want, source } = expected;
    if (shape.implicitPrompt !== want.implicitPrompt) {
      throw rowError(
        at,
        "prompt",
        `${want.implicitPrompt ? `has "prompt" but ${source} has none` : `missing "prompt" but ${source} has one`}: ` +
          "TRL extracts the prompt from chosen/rejected only when the first row has no prompt, so every row " +
          'needs "prompt" or none does',
      );
    }
    if (shape.conversational !== want.conversational) {
      throw rowError(
        at,
        first?.field ?? fields[0] ?? "prompt",
        `holds ${describe(shape.conversational)} but ${source} holds ${describe(want.conversational)}: ` +
          "TRL reads every row in the first row's format (the chat template applies only to messages)",
      );
    }
  }
  return shape;
}

/** Rows checked by {@link checkTrlDataset}, ready to write. */
export interface CheckedTrlDataset extends TrlDatasetCopy {
  /** The rows, one compact JSON object per line. */
  readonly text: string;
}

/**
 * Check every row of a JSONL file against what TRL 1.13 reads (see {@link copyTrlDataset}) without writing
 * anything; `like` is the training file's shape when this is the held-out file. A check over 2 s shows its
 * progress (rows, rate, ETA) on `progress.stream` (default stderr; `null` is silent).
 *
 * @throws TrainDataError naming the file, line and field of a row TRL cannot read, or the file when it
 *   cannot be read or has no rows
 * @example
 * ```ts
 * const { rows, shape } = await checkTrlDataset("pairs.jsonl", "paired"); // shape.conversational: true
 * ```
 */
export async function checkTrlDataset(
  from: string,
  format: TrlDataFormat,
  like?: { shape: TrlRowShape; file: string },
  progress: Pick<ProgressOptions, "stream" | "live"> = {},
): Promise<CheckedTrlDataset> {
  const rows: string[] = [];
  let expected =
    like === undefined ? undefined : { shape: like.shape, source: `the training file ${like.file}` };
  let shape: TrlRowShape | undefined;
  const total = progress.stream === null ? null : await countLines(from);
  const stage = new StageProgress(`checking ${from}`, { total, unit: "rows" }, progress);
  try {
    for await (const { line, value } of readJsonl(from)) {
      const rowShape = checkRow(value, format, { file: from, line }, expected);
      if (shape === undefined) {
        shape = rowShape;
        expected ??= { shape, source: `line ${line}` };
      }
      rows.push(`${JSON.stringify(value)}\n`);
      stage.advance();
    }
    stage.done();
  } finally {
    stage.close();
  }
  if (shape === undefined) throw new TrainDataError(from, 0, "no rows");
  return { rows: rows.length, shape, text: rows.join("") };
}

/**
 * Check every row of a JSONL file against what TRL 1.13 reads, and write the rows verbatim (one compact JSON
 * object per line, blank lines dropped) to `to`, where `datasets.load_dataset` finds them:
 *
 * - paired: `prompt`, `chosen`, `rejected`; without `prompt` (every row) `chosen`/`rejected` are whole
 *   conversations or texts whose shared start TRL takes as the prompt (`extract_prompt`);
 * - unpaired: `prompt`, `completion`, boolean `label`;
 * - every text field of every row a string, or every one a list of `{role, content}` messages, as in the
 *   first row (and in the training file, given as `like`); TRL applies no chat template to strings;
 * - no token-id rows (`prompt_ids`, …: TRL tokenizes text itself); other columns (`id`, `tools`,
 *   `chat_template_kwargs`) are kept.
 *
 * Nothing is written when a row is rejected.
 *
 * @throws TrainDataError naming the file, line and field of a row TRL cannot read, or the file when it
 *   cannot be read or has no rows
 * @example
 * ```ts
 * const { rows } = await copyTrlDataset("pairs.jsonl", "trl/data/train.jsonl", "paired"); // rows: 120
 * ```
 */
export async function copyTrlDataset(
  from: string,
  to: string,
  format: TrlDataFormat,
  like?: { shape: TrlRowShape; file: string },
): Promise<TrlDatasetCopy> {
  const { rows, shape, text } = await checkTrlDataset(from, format, like);
  await mkdir(dirname(to), { recursive: true });
  await writeFile(to, text);
  return { rows, shape };
}
