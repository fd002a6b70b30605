import { readFile, writeFile } from "node:fs/promises";
import { DataRowError, parseJsonl } from "../data/preference-rows.js";
import { TrainDataError } from "../data/train-data-error.js";

/** TRL's two dataset formats: preference pairs (DPOTrainer) and unpaired examples (KTOTrainer). */
export type TrlDataFormat = "paired" | "unpaired";

const FIELDS: Record<TrlDataFormat, { text: string[]; ids: string[] }> = {
  paired: { text: ["prompt", "chosen", "rejected"], ids: ["prompt_ids", "chosen_ids", "rejected_ids"] },
  unpaired: { text: ["prompt", "completion"], ids: ["prompt_ids", "completion_ids"] },
};

function isText(value: unknown): boolean {
  if (typeof value === "string") return true;
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((m) => typeof m?.role === "string" && typeof m?.content === "string")
  );
}

function checkRow(value: unknown, format: TrlDataFormat, line: number): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DataRowError(line, "each line must be a JSON object");
  }
  const row = value as Record<string, unknown>;
  const { text, ids } = FIELDS[format];
  const useIds = ids.some((f) => f in row);
  for (const field of useIds ? ids : text) {
    const v = row[field];
    const ok = useIds ? Array.isArray(v) && v.every((x) => Number.isInteger(x)) : isText(v);
    if (!ok) {
      const what = useIds
        ? "an array of integer token ids"
        : "a string or a list of {role, content} messages";
      throw new DataRowError(line, `${field in row ? "" : "missing "}"${field}" must be ${what}`);
    }
  }
  if (format === "unpaired" && typeof row.label !== "boolean") {
    throw new DataRowError(line, `"label" must be true (desirable) or false (undesirable)`);
  }
  return row;
}

/**
 * Check every row of a JSONL file against TRL's paired (`prompt`/`chosen`/`rejected`) or unpaired
 * (`prompt`/`completion`/`label`) format — strings, message lists or token ids — and write the rows,
 * one compact JSON object per line and blank lines dropped, to `to` (what `datasets.load_dataset` reads).
 *
 * @throws TrainDataError naming the file and line of a malformed row, or the file when it cannot be read
 * @example
 * ```ts
 * await copyTrlDataset("pairs.jsonl", "trl/data/train.jsonl", "paired"); // 120 rows
 * ```
 */
export async function copyTrlDataset(from: string, to: string, format: TrlDataFormat): Promise<number> {
  let text: string;
  try {
    text = await readFile(from, "utf8");
  } catch (cause) {
    throw new TrainDataError(from, 0, `cannot read the file (${String(cause)})`, { cause });
  }
  let rows: Record<string, unknown>[];
  try {
    rows = parseJsonl(text).map(({ line, value }) => checkRow(value, format, line));
  } catch (error) {
    if (error instanceof DataRowError) {
      throw new TrainDataError(from, error.line, error.message.replace(/^line \d+: /, ""), { cause: error });
    }
    throw error;
  }
  if (rows.length === 0) throw new TrainDataError(from, 0, "no rows");
  await writeFile(to, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
  return rows.length;
}
